import pytest

from bot.analysis import analyze
from bot.analysis.anchors import classify_anchor

from .pages import article_html, page


@pytest.mark.parametrize(
    ("text", "is_image", "expected"),
    [
        ("", False, "empty"),
        ("   ", False, "empty"),
        ("", True, "image"),
        ("https://www.acme-shoes.com/guide", False, "naked_url"),
        ("acme-shoes.com", False, "naked_url"),
        ("click here", False, "generic"),
        ("Read more", False, "generic"),
        ("this site", False, "generic"),
        ("click here to read more", False, "generic"),
        ("Read the full article here", False, "generic"),
        ("learn more about it", False, "generic"),
        ("About", False, "descriptive"),
        ("more about running shoes", False, "partial_match"),
        ("Acme Shoes", False, "branded"),
        ("AcmeShoes", False, "branded"),
        ("the Acme Shoes review team", False, "branded"),
        ("Acme", False, "branded"),  # the short name of Acme Shoes
        ("Acme reviews", False, "descriptive"),
        ("best running shoes", False, "exact_match"),
        ("Best Running Shoes", False, "exact_match"),
        ("the best running shoe", False, "exact_match"),
        ("best running shoes for flat feet", False, "partial_match"),
        ("running shoes", False, "partial_match"),
        ("a detailed cushioning test", False, "descriptive"),
        # A link whose visible content is only an image is an image link, whatever its alt says.
        ("best running shoes", True, "image"),
        ("Acme Shoes", True, "image"),
    ],
)
def test_classify_anchor(text, is_image, expected):
    assert classify_anchor(text, is_image=is_image, brand="acme-shoes", keyword="best running shoes") == expected


def test_a_short_first_word_of_the_brand_is_not_the_brand():
    assert classify_anchor("Fit", is_image=False, brand="fit-shoes", keyword=None) == "descriptive"
    assert classify_anchor("Acme", is_image=False, brand="acme", keyword=None) == "branded"


def test_without_keyword_nothing_is_exact_or_partial():
    assert classify_anchor("best running shoes", is_image=False, brand="acme-shoes", keyword=None) == "descriptive"


def test_anchor_text_falls_back_to_alt_then_aria_label_then_title():
    links = (
        '<p>Image with alt: <a href="https://acme-shoes.com/a"><img src="x.png" alt="Trail shoe test"></a></p>'
        '<p>Image without alt: <a href="https://acme-shoes.com/b"><img src="y.png"></a></p>'
        '<p>Icon with label: <a href="https://acme-shoes.com/c" aria-label="Shoe finder"><svg></svg></a></p>'
        '<p>Titled: <a href="https://acme-shoes.com/d" title="Size chart"></a></p>'
        '<p>Nothing: <a href="https://acme-shoes.com/e"></a></p>'
    )
    report = analyze(page(article=article_html(links)), "https://runblog.example/post", target="acme-shoes.com")
    by_path = {link.href.rsplit("/", 1)[-1]: link for link in report.target_links}
    assert (by_path["a"].anchor_text, by_path["a"].anchor_class) == ("Trail shoe test", "image")
    assert (by_path["b"].anchor_text, by_path["b"].anchor_class) == ("", "image")
    assert (by_path["c"].anchor_text, by_path["c"].anchor_class) == ("Shoe finder", "image")  # an icon
    assert (by_path["d"].anchor_text, by_path["d"].anchor_class) == ("Size chart", "descriptive")
    assert (by_path["e"].anchor_text, by_path["e"].anchor_class) == ("", "empty")
