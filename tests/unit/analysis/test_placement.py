"""Where a link stands: realistic news and blog pages, one per placement rule of the article.

Each page is a whole page as a CMS renders it (head, masthead, navigation, the article with its
furniture, a sidebar, comments, a footer), not a snippet: the rules must hold with everything else
a real page carries around the link.
"""

from __future__ import annotations

from bot.analysis import analyze
from bot.analysis.report import Link

PAGE_URL = "https://www.riverside-herald.example/news/2026/03/city-approves-bike-lanes"

STORY = (
    "The city council voted 7-2 on Tuesday night to build twelve kilometres of protected bike lanes "
    "along the river, ending a debate that has divided neighbourhoods for almost three years.",
    "Supporters packed the public gallery, many of them wearing the yellow vests of the local cycling "
    "club, and cheered when the mayor read out the result shortly before eleven o'clock.",
    "Opponents, mostly shop owners from the old market district, argued that removing parking spaces "
    "would drive customers to the retail park on the ring road and hollow out the historic centre.",
    "Engineers expect the first section, between the railway bridge and the university, to open next "
    "spring; the rest depends on a regional grant that the council will apply for in the summer.",
    "The council also asked officers to report back within six months on delivery bays, after traders "
    "said lorries already block the narrow streets around the market on weekday mornings.",
    "Cycling groups said they would keep pressing for a link to the southern suburbs, which the plan "
    "leaves out, while the chamber of commerce promised to monitor footfall on the affected streets.",
)


def news_page(article: str, *, after_article: str = "", head: str = "") -> str:
    """A regional news site's article page around `article` (the inside of <article>)."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>City approves riverside bike lanes after three-year fight | Riverside Herald</title>
<meta name="description" content="Council votes 7-2 for twelve kilometres of protected lanes.">
<link rel="canonical" href="{PAGE_URL}">{head}
</head>
<body class="article-template">
<div class="cookie-notice">We use cookies. <a href="/privacy-policy">Read our privacy policy</a></div>
<header class="site-header">
  <a class="logo" href="/">Riverside Herald</a>
  <nav class="primary-nav"><ul>
    <li><a href="/news/">Local news and politics</a></li><li><a href="/sport/">Sport and results today</a></li>
    <li><a href="/business/">Business and the economy</a></li><li><a href="/opinion/">Opinion and letters page</a></li>
  </ul></nav>
</header>
<nav class="breadcrumbs"><a href="/">Home</a> › <a href="/news/">News</a> › <a href="/news/council/">Council</a></nav>
<main id="main">
  <article class="story">
    <header class="story-header"><h1>City approves riverside bike lanes after three-year fight</h1>
      <p class="byline">By <a href="/staff/maria-lopez" rel="author">Maria Lopez, city hall reporter</a> · 4 March 2026</p>
    </header>
    {article}
  </article>
  {after_article}
  <section id="comments" class="comments-area"><h2>12 comments</h2>
    <div class="comment"><p>Finally! I have been cycling on that road for years and it is terrifying at rush hour.
    See <a href="https://commenter-blog.example/my-commute">my commute diary for the details</a>.</p></div>
  </section>
</main>
<aside class="sidebar">
  <div class="widget most-read"><h3>Most read</h3><ol>
    <li><a href="/news/2026/03/school-closures">School closures announced for the spring term</a></li>
    <li><a href="/news/2026/03/flood-warning">Flood warning lifted for the lower valley</a></li>
  </ol></div>
</aside>
<footer class="site-footer"><a href="/about-us">About the Riverside Herald</a>
  <a href="/contact">Contact the newsroom today</a> <a href="https://publisher-group.example/">Part of the Publisher Group network</a></footer>
</body></html>"""


def paragraphs(texts: tuple[str, ...] | list[str]) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


def links_by_href(html: str) -> dict[str, Link]:
    report = analyze(html, PAGE_URL)
    return {link.href: link for link in report.links}


def placement_of(html: str, href: str) -> str:
    return links_by_href(html)[href].placement


# --- the article's own links -----------------------------------------------------------------------


def test_inline_citations_count_in_every_block_of_an_article_cut_by_ads_and_embeds() -> None:
    # The CMS splits the body into blocks around an ad slot and a newsletter box; the shortest block
    # carries just one paragraph, and its citation is as much the article's as the others.
    article = f"""
    <div class="story-body">
      <div class="row"><div class="column"><div class="story-chunk">{paragraphs(STORY[:3])}
        <p>The vote follows <a href="https://transport-research.example/reports/river-corridor">a study of
        the river corridor by the regional transport institute</a>, which counted 4,000 cyclists a day.</p>
        {paragraphs(STORY[3:])}
      </div></div></div>
      <div class="ad-slot"><a href="https://ads.example/click?id=81">Sponsored: new e-bikes from 999</a></div>
      <div class="row"><div class="column"><div class="story-chunk">
        <p>Shop owners cited <a href="https://chamber.example/survey-2025">the chamber's own survey of
        traders</a>, in which two in three feared losing customers who arrive by car.</p>
      </div></div></div>
      <div class="newsletter-signup"><p>Get the Herald's morning briefing.
        <a href="/newsletters">Sign up to our free newsletter</a></p></div>
      <div class="row"><div class="column"><div class="story-chunk">
        <p>A final decision on <a href="https://region.example/grants/active-travel">the regional grant</a> is
        expected in the autumn, the council's transport officer said.</p>
      </div></div></div>
    </div>"""
    links = links_by_href(news_page(article))
    assert links["https://transport-research.example/reports/river-corridor"].placement == "content"
    assert links["https://chamber.example/survey-2025"].placement == "content"
    assert links["https://region.example/grants/active-travel"].placement == "content"
    assert links["https://ads.example/click?id=81"].placement != "content"
    assert links["https://www.riverside-herald.example/newsletters"].placement != "content"
    assert links["https://commenter-blog.example/my-commute"].placement == "comments"
    assert links["https://www.riverside-herald.example/news/2026/03/flood-warning"].placement == "sidebar"


def test_an_image_link_in_a_figure_of_the_article_is_content() -> None:
    article = f"""
    <div class="story-body">{paragraphs(STORY[:3])}
      <figure class="wp-block-image">
        <a href="https://maps.example/riverside/bike-lanes-plan.pdf"><img src="/img/plan.jpg"
           alt="Map of the planned riverside bike lanes"></a>
        <figcaption>The planned route. Photo: <a href="https://photo-agency.example/p/99">City planning office</a></figcaption>
      </figure>
      {paragraphs(STORY[3:])}
    </div>"""
    html = news_page(article)
    report = analyze(html, PAGE_URL)
    links = {link.href: link for link in report.links}
    image = links["https://maps.example/riverside/bike-lanes-plan.pdf"]
    assert image.placement == "content"
    assert image.anchor_text == "Map of the planned riverside bike lanes"
    # The caption's credit is not the story's text, and neither is its link.
    assert links["https://photo-agency.example/p/99"].placement != "content"
    assert "City planning office" not in report.content.text
    assert STORY[3] in report.content.text


def test_an_affiliate_box_inside_the_article_is_content() -> None:
    article = f"""
    <div class="entry-content">{paragraphs(STORY[:2])}
      <p>If the new lanes tempt you back onto two wheels, a folding bike is the easiest way to combine
      the train and the last kilometre.</p>
      <div class="product-card">
        <h4>Brompton C Line Explore</h4>
        <ul class="retailers">
          <li><a href="https://shop-one.example/brompton-c-line?tag=herald-21" rel="nofollow">Buy at Shop One for $1,650</a></li>
          <li><a href="https://bikes-direct.example/p/c-line" rel="nofollow">Also at Bikes Direct</a></li>
          <li><a href="https://cycle-market.example/brompton" rel="nofollow">See it on Cycle Market</a></li>
        </ul>
        <p class="disclosure">We may receive a commission when you buy through these links.</p>
      </div>
      {paragraphs(STORY[2:])}
    </div>"""
    links = links_by_href(news_page(article))
    for href in (
        "https://shop-one.example/brompton-c-line?tag=herald-21",
        "https://bikes-direct.example/p/c-line",
        "https://cycle-market.example/brompton",
    ):
        assert links[href].placement == "content", href


def test_a_deal_line_alone_between_paragraphs_is_content() -> None:
    article = f"""
    <div class="article-body">{paragraphs(STORY[:3])}
      <h3>Helmet with integrated rear light, now $49.99</h3>
      <p>The council will recommend, not require, helmets on the new lanes; this one is a good
      budget choice with a USB-charged light built into the back.</p>
      <ul><li><a href="https://deals-shop.example/r/helmet-light">Get it at Deals Shop for $49.99</a></li></ul>
      {paragraphs(STORY[3:])}
    </div>"""
    assert placement_of(news_page(article), "https://deals-shop.example/r/helmet-light") == "content"


def test_a_note_aside_inside_the_article_is_content_and_a_recirculation_aside_is_not() -> None:
    article = f"""
    <div class="article-body">{paragraphs(STORY[:3])}
      <aside class="editor-note"><p>Editor's note: this story was updated on 5 March to correct the
      length of the route. The council's figures are in <a href="https://council.example/minutes/2026-03-03">the
      published minutes of the meeting</a>.</p></aside>
      <aside class="in-article-recirc"><h4>More on transport</h4><ul>
        <li><a href="/news/2026/02/bus-fares">Bus fares to rise by ten percent in April</a></li>
        <li><a href="/news/2026/01/tram-extension">Tram extension delayed again by funding gap</a></li>
        <li><a href="/news/2025/12/parking-charges">Parking charges frozen for another year</a></li>
      </ul></aside>
      {paragraphs(STORY[3:])}
    </div>"""
    links = links_by_href(news_page(article))
    assert links["https://council.example/minutes/2026-03-03"].placement == "content"
    assert links["https://www.riverside-herald.example/news/2026/02/bus-fares"].placement != "content"


def test_an_embedded_post_quoted_in_the_article_is_content() -> None:
    article = f"""
    <div class="article-body">{paragraphs(STORY[:2])}
      <p>The mayor celebrated the result within minutes of the vote.</p>
      <div class="social-embed">
        <blockquote class="twitter-tweet"><p lang="en">Twelve kilometres of safe streets for everyone who
        cycles, walks or pushes a pram by the river. Thank you to everyone who came tonight!
        <a href="https://t.co/Ab12Cd34">https://t.co/Ab12Cd34</a></p>— Mayor Ana Costa (@mayorcosta)
        <a href="https://social.example/mayorcosta/status/1766">March 4, 2026</a></blockquote>
      </div>
      {paragraphs(STORY[2:])}
    </div>"""
    links = links_by_href(news_page(article))
    assert links["https://t.co/Ab12Cd34"].placement == "content"
    assert links["https://social.example/mayorcosta/status/1766"].placement == "content"


# --- furniture inside the article ------------------------------------------------------------------


def test_share_links_are_not_content_even_when_their_text_is_a_sentence_of_the_article() -> None:
    tweet = "Twelve kilometres of protected lanes will change how the city moves"
    article = f"""
    <div class="article-body">{paragraphs(STORY[:3])}
      <p class="click-to-tweet"><a href="https://twitter.com/intent/tweet?text=Twelve%20kilometres&amp;url={PAGE_URL}">{tweet}
      — Tweet this</a></p>
      {paragraphs(STORY[3:])}
      <p><a href="https://www.facebook.com/sharer/sharer.php?u={PAGE_URL}">Share this story with your friends</a></p>
    </div>"""
    html = news_page(article)
    report = analyze(html, PAGE_URL)
    placed = {link.href.split("?")[0]: link.placement for link in report.links}
    assert placed["https://twitter.com/intent/tweet"] != "content"
    assert placed["https://www.facebook.com/sharer/sharer.php"] != "content"


def test_subscribe_and_newsletter_calls_are_not_content() -> None:
    article = f"""
    <div class="article-body">{paragraphs(STORY)}
      <p><em>Get the latest council news in your inbox every morning.</em>
      <a href="https://newsletters.riverside-herald.example/join"><em>Subscribe to the Herald's newsletters</em></a>.</p>
      <p><a href="https://video.example/c/riversideherald?sub_confirmation=1">Subscribe to our channel for council meetings live</a></p>
    </div>"""
    links = links_by_href(news_page(article))
    assert links["https://newsletters.riverside-herald.example/join"].placement != "content"
    assert links["https://video.example/c/riversideherald?sub_confirmation=1"].placement != "content"


def test_next_and_previous_article_links_are_not_content() -> None:
    article = f"""
    <div class="article-body">{paragraphs(STORY)}
      <p><a href="/news/2026/03/budget-vote" rel="prev">Council budget passes at the last minute</a></p>
      <p><em>Maria Lopez has covered city hall for the Herald since 2019. She previously reported on
      transport and planning for a national news agency, and she cycles to work.</em></p>
      <p>Next story › <a href="/news/2026/03/bridge-repairs">Bridge repairs</a></p>
    </div>"""
    links = links_by_href(news_page(article))
    assert links["https://www.riverside-herald.example/news/2026/03/budget-vote"].placement != "content"
    assert links["https://www.riverside-herald.example/news/2026/03/bridge-repairs"].placement != "content"


def test_related_stories_right_after_the_article_and_promoted_headlines_are_not_content() -> None:
    article = f"""
    <div class="article-body">{paragraphs(STORY[:3])}
      <p><strong>Related:</strong> <a href="/news/2025/11/cycling-deaths">Cycling deaths on river road reach a ten-year high</a></p>
      {paragraphs(STORY[3:])}
      <p>The plan relies on <a href="https://grants.region.example/active-travel-fund">the region's active travel
      fund</a>, which opens for bids in July.</p>
      <div class="heading">More from the Herald</div>
      <ul>
        <li>Bus fares: <a href="/news/2026/02/bus-fares">why tickets cost ten percent more from April</a></li>
        <li>Trams: <a href="/news/2026/01/tram-extension">the extension is delayed again</a></li>
        <li>Parking: <a href="/news/2025/12/parking-charges">charges frozen for another year</a></li>
      </ul>
    </div>"""
    links = links_by_href(news_page(article))
    site = "https://www.riverside-herald.example"
    assert links[f"{site}/news/2025/11/cycling-deaths"].placement != "content"
    for path in ("/news/2026/02/bus-fares", "/news/2026/01/tram-extension", "/news/2025/12/parking-charges"):
        assert links[site + path].placement != "content", path
    # The article's own citation just before the list stays content.
    assert links["https://grants.region.example/active-travel-fund"].placement == "content"


def test_tag_lists_are_not_content() -> None:
    article = f"""
    <div class="article-body">{paragraphs(STORY)}
      <p class="post-meta">Filed under <a href="/topics/cycling-and-walking" rel="tag">Cycling and walking routes</a>,
      <a href="/topics/city-council" rel="tag">City council decisions 2026</a></p>
    </div>"""
    links = links_by_href(news_page(article))
    assert links["https://www.riverside-herald.example/topics/cycling-and-walking"].placement != "content"
    assert links["https://www.riverside-herald.example/topics/city-council"].placement != "content"


def test_a_line_of_topic_links_with_no_telling_markup_is_not_content() -> None:
    article = f"""
    <div class="article-body">{paragraphs(STORY)}
      <p>Topics: <a href="/topics/cycling">Cycling</a>, <a href="/topics/council">Council</a>,
      <a href="/topics/riverside">Riverside</a></p>
    </div>"""
    links = links_by_href(news_page(article))
    for path in ("/topics/cycling", "/topics/council", "/topics/riverside"):
        assert links["https://www.riverside-herald.example" + path].placement != "content", path


def test_a_reader_comment_longer_than_the_article_does_not_become_the_article() -> None:
    short_story = f"""<div class="article-body">{paragraphs(STORY[:3])}
      <p>The full decision is in <a href="https://council.example/decisions/bike-lanes">the council's decision notice</a>.</p>
    </div>"""
    rant = "<br>".join(
        f"I have lived by the river for {n} years and every plan like this has ended the same way, with "
        "money spent, nothing built, and the same traffic jams outside my window every morning, so forgive "
        "me if I do not celebrate yet, and do read what happened with the last scheme, it was a disaster."
        for n in range(10, 22)
    )
    comments = f"""<section class="comments"><div class="comment first"><div class="comment_content">
      <div class="content">{rant} <a href="https://rant-blog.example/bike-lanes-again">my blog post about it</a></div>
    </div></div></section>"""
    report = analyze(news_page(short_story, after_article=comments), PAGE_URL)
    links = {link.href: link for link in report.links}
    assert links["https://council.example/decisions/bike-lanes"].placement == "content"
    assert links["https://rant-blog.example/bike-lanes-again"].placement != "content"
    assert STORY[0] in report.content.text


def test_a_list_of_the_sites_own_guides_in_the_middle_of_the_article_stays_content() -> None:
    article = f"""
    <div class="article-body">{paragraphs(STORY[:2])}
      <p>Before the lanes open, the Herald's cycling desk suggests getting three things sorted:</p>
      <div class="heading">What you need</div>
      <ul>
        <li>A bike that fits: <a href="/guides/bike-sizing">our guide to choosing the right frame size</a></li>
        <li>Lights that work: <a href="/guides/bike-lights">the best front and rear lights tested</a></li>
        <li>A good lock: <a href="/guides/bike-locks">how to lock your bike in the city centre</a></li>
      </ul>
      {paragraphs(STORY[2:])}
    </div>"""
    links = links_by_href(news_page(article))
    for path in ("/guides/bike-sizing", "/guides/bike-lights", "/guides/bike-locks"):
        assert links["https://www.riverside-herald.example" + path].placement == "content", path


def test_a_short_block_beside_the_article_with_one_cited_sentence_is_content() -> None:
    # A page builder's blocks carry no telling class; the short one after a video embed holds a
    # single cited sentence, too little prose to outvote anything, and is still the article's.
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bike lanes approved | Riverside Cycling Club</title></head>
<body>
<div class="top-bar"><a href="/">Riverside Cycling Club</a>
  <ul class="menu"><li><a href="/rides">Club rides and events</a></li><li><a href="/join">Become a member today</a></li></ul></div>
<div class="container"><div class="row">
  <div class="col-primary">
    <h1>The council said yes to the riverside lanes</h1>
    <div class="pb-block">{paragraphs(STORY)}</div>
    <div class="pb-embed"><iframe src="https://video.example/embed/council-vote"></iframe></div>
    <div class="pb-block"><p>Read <a href="https://council.example/papers/item-7">the officers' report to the
    council</a> for the full costs of the first section.</p></div>
    <div class="pb-embed"><iframe src="https://video.example/embed/mayor"></iframe></div>
  </div>
  <div class="col-side"><h3>Club news</h3><ul>
    <li><a href="/news/agm-2026">Annual general meeting moves to April</a></li>
    <li><a href="/news/kit-order">New club kit order closes Friday</a></li></ul></div>
</div></div>
<div class="bottom"><a href="/privacy">Privacy and cookies policy</a></div>
</body></html>"""
    links = links_by_href(html)
    assert links["https://council.example/papers/item-7"].placement == "content"
    assert links["https://www.riverside-herald.example/news/agm-2026"].placement != "content"
