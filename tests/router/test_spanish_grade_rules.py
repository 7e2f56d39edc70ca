"""The shipped severity rules on Spanish phrasings that cross-validation on the training files
found missed or misread (bench/cv_routing.py): each case both ways, so a keyword added for one
sense does not catch the other.

Urgent: a complaint lodged or threatened with Consumo or a Latin American consumer body, a
threat to publish it ("lo subo a TikTok"), a free-from claim contradicted for someone with an
allergy, a privacy complaint from someone under protection from violence. Important: a sum of
100 or more charged (cobro, debitaron, de roaming). General: the same
words in another sense ("me vendieron humo", "explotó el grupo de WhatsApp", "solo
emergencias", a blister pack, a warning printed on a label) or negated ("nada de chispas").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from config import Settings, load_settings
from tests.router.shipped import by_rules as decide

SETTINGS_PATH = Path(__file__).parents[2] / "settings.toml"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(SETTINGS_PATH)


CASES = [
    # (text, grade by the rules alone, a tag that must be there, or "-tag" that must not)
    ("Si no me devolvéis los 40 € os denuncio.", "urgent", "legal"),
    ("El lunes voy a Consumo con el ticket de la cafetera.", "urgent", "regulator"),
    ("Ya lo reclamé en la oficina de consumo del ayuntamiento.", "urgent", "regulator"),
    ("No pienso ir a Consumo por un cargador, solo quiero otro.", "general", "-regulator"),
    ("La fecha de consumo preferente está borrada en el bote.", "general", "-regulator"),
    ("Voy a la DIACO con la factura si no me responden.", "urgent", "regulator"),
    ("Presenté la queja ante Pro Consumidor la semana pasada.", "urgent", "regulator"),
    ("Lo subo a TikTok esta noche con el vídeo del repartidor.", "urgent", "media"),
    ("Si mañana no funciona lo publico en Twitter con la factura.", "urgent", "media"),
    ("Voy a sacar en redes cómo me dejaron la lavadora.", "urgent", "media"),
    ("No lo voy a subir a redes, pero quiero una disculpa.", "general", "-media"),
    ("Subí de plan y ahora las redes wifi de casa no aparecen.", "general", "-media"),
    ("Comparto la conexión y las redes 5G no cargan nada.", "general", "-media"),
    ("Me cobraron 30 euros de más en consumo de datos.", "general", "-regulator"),
    ("Me pasaron a consumo por minutos sin avisarme.", "general", "-regulator"),
    ("El gasto en consumo eléctrico del aire es el doble del anunciado.", "general", "-regulator"),
    ("Si no me lo cambian, acabaré en Consumo.", "urgent", "regulator"),
    ("De repente y sin hacer nada empezó a salir humo del enchufe.", "urgent", "safety"),
    ("Mañana lo cuentan en el noticiero de la noche.", "urgent", "media"),
    ("El jarrón venía envuelto en papel de periódico y llegó roto.", "general", "-media"),
    ("Las galletas dicen 'sin gluten' y llevan trigo; mi hijo es celíaco.", "urgent", "allergen"),
    ("La crema no dice nada de almendra y la lleva. Soy alérgica.", "urgent", "allergen"),
    (
        "Las galletas sin gluten llegaron rotas, no soy celíaca pero las quería.",
        "general",
        "-allergen",
    ),
    (
        "Soy víctima de violencia de género y le dieron mi dirección a mi expareja.",
        "urgent",
        "safety",
    ),
    ("Me vendieron humo: la batería dura la mitad de lo que dijeron.", "general", "-safety"),
    ("Estoy que echo chispas, el router se reinicia cada hora.", "general", "-safety"),
    ("Nada de chispas ni humo, pero el enchufe está flojo.", "general", "-safety"),
    ("Nada más enchufarlo empezó a salir humo del cargador.", "urgent", "safety"),
    ("De la nada empezó a salir humo del cargador.", "urgent", "safety"),
    (
        "Explotó el grupo de WhatsApp del edificio: todos sin fibra desde las 8.",
        "general",
        "-safety",
    ),
    ("La batería del patinete explotó en el pasillo.", "urgent", "safety"),
    ("El móvil pasa a 'solo emergencias' en mi calle.", "general", "-safety"),
    ("Llegó el blíster de las pastillas aplastado.", "general", "-safety"),
    ("La máquina se tragó el billete y no devolvió nada.", "general", "-safety"),
    ("El envase pone 'puede provocar reacción alérgica' en letra diminuta.", "general", "-safety"),
    ("Las ollas se pelan aunque las uso a fuego bajo.", "general", "-safety"),
    ("La mampara de la ducha estalló sin nadie dentro.", "urgent", "safety"),
    ("Cobro doble de 215,80 € por la misma compra.", "important", "large-amount"),
    ("Me debitaron dos veces la compra de 130 dólares.", "important", "large-amount"),
    ("Me llegaron 342 € de roaming con el bono contratado.", "important", "large-amount"),
    ("Me cobraron 12 € de más en la factura.", "general", "-large-amount"),
]


@pytest.mark.parametrize(("text", "grade", "tag"), CASES)
def test_spanish_severity_phrasings(settings: Settings, text: str, grade: str, tag: str) -> None:
    decision = decide(settings, text)
    assert decision.grade == grade
    if tag.startswith("-"):
        assert tag[1:] not in decision.tags
    else:
        assert tag in decision.tags
