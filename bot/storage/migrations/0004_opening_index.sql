-- The start-up sweep looks for reviews left 'opening' by a stopped process. Almost none are, so a
-- partial index holds almost nothing and spares that sweep a scan of every review.
CREATE INDEX reviews_opening ON reviews (id) WHERE status = 'opening';
