"""Synthetic pages for the analysis tests: a realistic article in a realistic page frame."""

from __future__ import annotations

ARTICLE_PARAGRAPHS = (
    "Choosing running shoes starts with an honest look at how and where you run. A runner who logs easy miles "
    "on pavement needs something different from a trail runner who climbs rocky paths every weekend, and the "
    "wrong pair can turn a pleasant habit into a string of sore knees and blistered heels.",
    "Cushioning is the first thing most people notice in a shop. Softer foams feel wonderful for the first few "
    "minutes, yet some runners find that very plush midsoles make their stride feel vague on faster days. Firmer "
    "models give more feedback, which many experienced athletes prefer for tempo sessions and races.",
    "Fit matters more than any technology printed on the box. Your toes should have room to spread, the heel "
    "should stay put without rubbing, and the midfoot should feel secure but never squeezed. Try shoes late in "
    "the afternoon, when feet are slightly swollen, and bring the socks you actually wear on long runs.",
    "Drop describes the height difference between heel and forefoot. Traditional trainers sit around ten "
    "millimetres, while many modern designs go lower to encourage a midfoot landing. Changing drop suddenly can "
    "strain calves and Achilles tendons, so any switch deserves a gradual transition over several weeks.",
    "Stability features used to be sold as a cure for overpronation. Research since then suggests comfort is a "
    "better guide than arch measurements, and that the body adapts to a wide range of footwear. Still, people "
    "with flat feet or a history of injuries sometimes appreciate a supportive platform on tired legs.",
    "Durability varies widely between brands and foams. Lightweight racing flats may last only a few hundred "
    "kilometres, while sturdy daily trainers often keep their bounce for twice that distance. Logging mileage "
    "in a training app helps you notice when a favourite pair has quietly gone flat.",
    "Price does not always track quality. Last season's colours are frequently discounted heavily even though "
    "the construction has not changed at all. Specialist running stores will usually let you jog on a treadmill "
    "or around the block, and their staff can watch your gait before you commit to a purchase.",
    "Finally, rotate two pairs if your budget allows it. Alternating shoes gives the foam time to recover between "
    "sessions and spreads the load across slightly different designs, which some coaches believe lowers the risk "
    "of repetitive strain. Whatever you choose, listen to your body and replace worn shoes before they hurt you.",
)


def article_html(extra_paragraph: str = "", *, heading: str = "How to choose running shoes") -> str:
    paras = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    return f"<h1>{heading}</h1><p class='byline'>By Jane Runner</p>{paras}{extra_paragraph}"


def page(
    *,
    article: str | None = None,
    head: str = "",
    before: str = "",
    after: str = "",
    title: str = "How to choose running shoes | Run Blog",
    article_attrs: str = "",
) -> str:
    """A blog page: header with nav, the article, a sidebar and a footer with about/contact links."""
    body_article = article if article is not None else article_html()
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body>
<header class="site-header"><a href="/">Run Blog</a>
  <nav class="main-nav"><ul><li><a href="/gear/">Gear</a></li><li><a href="/training/">Training</a></li></ul></nav>
</header>
{before}
<main><article {article_attrs}>{body_article}</article></main>
<aside class="sidebar"><div class="widget"><h3>Popular</h3><a href="/popular-post/">Popular post</a></div></aside>
{after}
<footer class="site-footer"><a href="/about/">About us</a> <a href="/contact/">Contact</a></footer>
</body></html>"""


def link_paragraph(href: str, anchor: str, rel: str = "", attrs: str = "") -> str:
    rel_attr = f' rel="{rel}"' if rel else ""
    return (
        f"<p>For a deeper comparison of cushioning systems, see <a href=\"{href}\"{rel_attr} {attrs}>{anchor}</a>, "
        "which tested dozens of models on the road and the track over a full season.</p>"
    )
