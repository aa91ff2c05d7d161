//! The interface languages (`lang`): which string is picked, the decimal mark, numbers and
//! percentages as each language writes them, and the tags saved and read back.

use instacart_reorder::input::number::DecimalMark;
use instacart_reorder::lang::Lang;

#[test]
fn each_language_picks_its_string_and_knows_the_other() {
    assert_eq!(Lang::En.pick("yes", "evet"), "yes");
    assert_eq!(Lang::Tr.pick("yes", "evet"), "evet");
    assert_eq!(Lang::En.other(), Lang::Tr);
    assert_eq!(Lang::Tr.other(), Lang::En);
}

#[test]
fn numbers_follow_the_languages_decimal_mark() {
    assert_eq!(Lang::En.decimal_mark(), DecimalMark::Point);
    assert_eq!(Lang::Tr.decimal_mark(), DecimalMark::Comma);
    assert_eq!(Lang::En.decimal(0.125, 2), "0.12");
    assert_eq!(Lang::Tr.decimal(1.5, 1), "1,5");
    assert_eq!(Lang::En.percent(0.4567), "45.7%");
    assert_eq!(Lang::Tr.percent(0.4567), "%45,7");
}

#[test]
fn tags_read_back_and_browser_tags_choose_a_language() {
    for lang in [Lang::En, Lang::Tr] {
        assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
    }
    assert_eq!(Lang::from_tag("de"), None);
    assert_eq!(Lang::from_browser_tag("tr-TR"), Lang::Tr);
    assert_eq!(Lang::from_browser_tag("TR"), Lang::Tr);
    assert_eq!(Lang::from_browser_tag("en-GB"), Lang::En);
    assert_eq!(Lang::from_browser_tag(""), Lang::En);
}
