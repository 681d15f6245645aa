from __future__ import annotations

import pytest

from monitor.lang import detect_language
from monitor.record import Language
from tests.support.shared_data import SHARED

SEEDS = SHARED / "seeds" / "article.txt"

FARIA = (
    "1/4 Nos reunimos con el canciller Serguéi Lavrov para seguir afianzando los acuerdos "
    "bilaterales entre Venezuela y Rusia a través de la revisión y diseño de la agenda de "
    "cooperación de ambas naciones. pic.twitter.com/OQeZWtNQnl — Carlos Faria (@Fariacrt) "
    "July 4, 2022"
)
CANCILLERIA = (
    "#EnFotos | Los Cancilleres de Venezuela, @Fariacrt y la Federación de Rusia, Serguéi "
    "Lavrov, junto a sus delegaciones, sostienen negociaciones en #Moscú para continuar "
    "profundizando la alianza estratégica en favor de ambos pueblos 🇻🇪🤝🏾🇷🇺. "
    "pic.twitter.com/DyWcvZOoMh — Cancillería Venezuela 🇻🇪 (@CancilleriaVE) July 4, 2022"
)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "https://t.co/abc 🇻🇪 2022", "@Fariacrt #EnFotos 🇷🇺", "2022-07-04 10:30", "ok!!"],
)
def test_no_linguistic_content_is_undetermined(text: str) -> None:
    language = detect_language(text)
    assert (language.code, language.confidence) == ("und", 0.0)


@pytest.mark.parametrize("tweet", [FARIA, CANCILLERIA])
def test_spanish_tweets_of_the_article(tweet: str) -> None:
    language = detect_language(tweet)
    assert language.code == "es"
    assert language.confidence > 0.9
    assert language.detector == "langdetect+rules"


def test_the_tweets_are_those_of_the_seed_article() -> None:
    if not SEEDS.is_file():
        pytest.skip(f"seed article not found at {SEEDS}")
    article = SEEDS.read_text(encoding="utf-8")
    assert "afianzando los acuerdos" in article
    assert "profundizando la alianza" in article


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Министр иностранных дел провёл переговоры с коллегой из Венесуэлы", "ru"),
        ("Сегодня в Москве прошла встреча министров иностранных дел", "ru"),
        ("Міністр закордонних справ України провів зустріч із колегою", "uk"),
        ("Її країна підтримує європейський вибір", "uk"),
        ("Днес министърът на външните работи се срещна с колегата си", "bg"),
        ("Тя каза, че ще дойде утре сутринта", "bg"),
        ("Министерот за надворешни работи се сретна со својот колега", "mk"),
        ("Ѓорѓи ќе оди во Скопје следната недела", "mk"),
        ("Міністр замежных спраў Беларусі сустрэўся з калегам", "be"),
        ("Дзень быў вельмі цёплы, і мы пайшлі гуляць", "be"),
        ("Министар спољних послова Србије састао се са колегом", "sr"),
        ("Ђорђе ће доћи у Београд следеће недеље", "sr"),
        ("Қазақстан Республикасының Сыртқы істер министрі кездесу өткізді", "kk"),
        ("Бүгін Астанада үкімет отырысы өтті", "kk"),
    ],
)
def test_cyrillic_languages_are_told_from_russian(text: str, code: str) -> None:
    assert detect_language(text).code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("El ministro de Relaciones Exteriores se reunió hoy con su homólogo ruso", "es"),
        ("¿Dónde está la embajada? Mañana llegarán los cancilleres", "es"),
        ("O ministro das Relações Exteriores reuniu-se hoje com o seu homólogo", "pt"),
        ("A população não está satisfeita com a situação do país", "pt"),
        ("El ministre d'Afers Exteriors s'ha reunit amb els seus col·legues", "ca"),
        ("La Generalitat ha presentat la nova llei amb el suport dels partits", "ca"),
        ("A Xunta de Galicia non aprobou aínda o orzamento para este ano", "gl"),
        ("Os veciños queixáronse porque xa non hai autobuses pola noite", "gl"),
    ],
)
def test_romance_languages_are_told_from_spanish(text: str, code: str) -> None:
    assert detect_language(text).code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Se reunió en Ginebra con Blinken, Kuleba y Cassis", "es"),
        ("Somos o que fazemos, estamos juntos no caminho", "pt"),
        ("Ms noticias relacionadas con el canciller", "es"),
        ("Вони знають про це", "uk"),
        ("Най-много ги харесахме", "bg"),
        ("El presidente publicó varios tweets sobre la cumbre", "es"),
        ("El cónsul atendió a seis ciudadanos en Estambul", "es"),
        ("Министр провёл переговоры в Минске и Смоленске", "ru"),
        ("На доске объявлений висит новое сообщение", "ru"),
    ],
)
def test_names_lost_accents_and_shared_words_do_not_mislead(text: str, code: str) -> None:
    assert detect_language(text).code == code


def test_detection_is_deterministic() -> None:
    texts = ["hola que tal", "другом полом", "quise enemistarme", "porque agentes"]
    first = [detect_language(text) for text in texts]
    again = [detect_language(text) for text in texts * 3]
    assert again == first * 3


def test_result_is_a_language_record() -> None:
    language = detect_language("Las negociaciones continúan en Moscú esta semana")
    assert isinstance(language, Language)
    assert 0.0 < language.confidence <= 1.0


def test_chinese_gets_an_iso_639_1_code() -> None:
    assert detect_language("中文字中文字的是").code == "zh"  # langdetect says "zh-cn"
