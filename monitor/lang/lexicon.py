"""Alphabets and common function words of the languages the detector tells apart."""

from __future__ import annotations

CYRILLIC_ALPHABETS: dict[str, frozenset[str]] = {
    "ru": frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя"),
    "uk": frozenset("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'"),
    "be": frozenset("абвгґдеёжзійклмнопрстуўфхцчшыьэюя'"),
    "bg": frozenset("абвгдежзийклмнопрстуфхцчшщъьюяѝ"),
    "mk": frozenset("абвгдѓежзѕијклљмнњопрстќуфхцчџш"),
    "sr": frozenset("абвгдђежзијклљмнњопрстћуфхцчџш"),
    "kk": frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі"),
}

_BASIC_LATIN = "abcdefghijklmnopqrstuvwxyz"
LATIN_ALPHABETS: dict[str, frozenset[str]] = {
    "es": frozenset(_BASIC_LATIN + "áéíóúñü"),
    "gl": frozenset(_BASIC_LATIN + "áéíóúñü"),
    "pt": frozenset(_BASIC_LATIN + "áàâãçéêíóôõú"),
    "ca": frozenset(_BASIC_LATIN + "àçéèíïòóúü·"),
    "it": frozenset(_BASIC_LATIN + "àèéìíîòóùú"),
    "fr": frozenset(_BASIC_LATIN + "àâæçéèêëîïôœùûüÿ"),
    "ro": frozenset(_BASIC_LATIN + "ăâîșşțţ"),
    "en": frozenset(_BASIC_LATIN),
}

_WORDS: dict[str, str] = {
    "es": """año años vez veces tiempo gobierno ciudad nuevo nueva nuevos nuevas bueno buena
        mejor hombre hombres mujer mujeres hijo hija hijos trabajo tienen tener hacer decir dijo
        quiero nuestro nuestra nuestros nuestras mayor gran hecho sido pueblo fuerza fuerzas
        cuenta primero primera luego pues allá acá aquel aquella ello esto cuanto cuantos mil
        ningún ninguna alguno alguna algunos algunas señor presidente ley leyes derecho derechos
        estado nacional sociedad universidad calidad seguridad actividad comunidad proceso
        proyecto desarrollo servicio servicios empresa empresas mañana noche semana hoy dos tres
        cuatro cinco seis siete ocho nueve diez me te va van de la en un a o el los las del al
        lo le les y u por para con sin una unos unas uno es son fue ser está esta este estos
        estas ese esa eso esos aquí allí muy más mas pero porque como cuando donde hay ya
        también tambien hasta desde entre sobre tras según segun durante hacia contra ante bajo
        mientras aunque sino ni nos mi mis tu su sus yo él ella ellos ellas usted ustedes
        nosotros quien quién cual cuál qué que se sí si no todo toda todos todas otro otra otros
        otras mucho muchos mucha poco cada mismo misma ahora hoy ayer bien así asi tiene tienen
        puede pueden hace han ha he había habia era eran será sera fueron están estan estamos
        somos algo nada nunca siempre después despues antes luego sólo solo tanto tan""",
    "pt": """o a os as do da dos das no na nos nas um uma uns umas em e é ou de por para com sem
        que se não nao mais mas muito muita como quando onde já ja também tambem até ate desde
        entre sobre após durante contra ao aos à às pelo pela pelos pelas este esta estes estas
        esse essa isso isto aquele aquela ele ela eles elas você voce nós seu sua seus suas meu
        minha foi ser são sao está estão tem têm ter há havia era eram será todo toda todos
        todas outro outra outros outras cada mesmo agora hoje ontem bem assim pode podem faz
        fazer ainda depois antes só num numa dum duma nem porque então entao dia vez sido mil
        presidente nacional estado tres seis semana empresa empresas somos estamos quem dizer
        diz sou estou estava vai vão temos nova novo novos novas dele dela deles delas nele nela
        neles nelas""",
    "gl": """o a os as do da dos das no na nos nas un unha uns unhas en e é ou de por para con
        sen que se non máis mais moi como cando onde xa tamén tamen ata desde entre sobre
        despois antes ao aos á ás polo pola polos polas este esta estes estas ese esa iso isto
        aquel aquela el ela eles elas vostede nós seu súa seus súas meu miña foi ser son está
        están ten teñen ter hai había era eran será todo toda todos todas outro outra outros
        outras cada mesmo agora hoxe onte ben así pode poden fai facer aínda coa co cun cunha
        dunha xunta xente vez sido mil presidente nacional estado tres seis semana empresa
        empresas somos estamos quen dicir""",
    "ca": """el la els les un una uns unes i o de del dels al als pel pels per amb sense que qui
        què no sí es és són era eren ser està estan ha han he hem heu va van vaig fer fa mes més
        molt molts molta moltes però perquè com quan on ja també tambe fins entre sobre després
        abans ara avui ahir bé així aquest aquesta aquests aquestes aquell aquella aquí allà ell
        ella ells elles jo tu nosaltres vosaltres seu seva seus seves meu meva nostre nostra
        cada mateix mateixa tot tota tots totes altre altra altres cap mai sempre ni hi ho en li
        ens quin quina quins quines aquells aquelles millor dia dies mil tres sis gran nacional
        empresa empresas president som estem carrer terra anys ciutat govern món nou nous noves
        feina llei gent pot poden tenen setmana aleshores pla això allò doncs només segons gaire
        qualsevol cal dir tenir""",
    "it": """il lo la i gli le un uno una di del dello della dei degli delle a al allo alla ai
        agli alle da dal dalla dai dagli dalle in nel nello nella nei negli nelle su sul sulla
        sui con per tra fra e ed o che non è sono era essere ha hanno ho abbiamo più piu ma come
        quando dove già anche fino questo questa questi queste quello quella lui lei loro noi
        voi io tu suo sua suoi sue mio mia ogni stesso ora oggi ieri bene così molto poco tutto
        tutti tutte altro altra altri se si ci mi ti ne perché perche cui""",
    "fr": """le la les un une des du de au aux et ou est sont était être a ont avoir en dans sur
        sous avec pour par sans que qui quoi ne pas plus mais comme quand où déjà aussi ce cette
        ces cet il elle ils elles nous vous je tu on son sa ses leur leurs mon ma mes tout tous
        toute toutes autre autres même très bien ainsi hier se si y lui""",
    "en": """the a an of to in on at by for with from and or but not is are was were be been
        being has have had do does did will would can could should this that these those it its
        he she they we you i his her their our my your there here what which who when where how
        all some any more most very also just than then so if as about into over after before up
        out no""",
    "ro": """și si în in de la pe cu din pentru că ca nu este sunt era fost a au am un o unui
        unei ale al ai lui ei le mai dar sau ce care cum când unde deja acest această aceste
        acești acel acea el ea ele noi voi eu tu său sa sale lor foarte bine tot toate toți alt
        altă alte după dupa până pana prin spre între fără asa sa fi intr intr-un intr-o""",
    "ru": """я ты оно за у про около нас вас нам вам ними нему него неё вроде совсем сразу куда
        откуда туда сюда зачем вот надо тогда потом сейчас теперь почему всегда никогда ничего
        кто чем ему ней них один одна одно будто хотя пока даже лишь опять снова ведь тоже весь
        всей всего всех быть стал стало стала говорит сказал сказала можно нужно нельзя итак
        однако поэтому хорошо спасибо человек люди время года жизнь день дела работы раньше
        больше меньше почти какой какая какие такой такая такие свои своих сказать знаю и в во
        не на что это как по он она они с со для от так все всё его её ее но к ко же из был была
        было были уже только или мы вы при когда если бы да нет ещё еще о об то этот эта эти
        также который которая которые может будет есть чтобы где там тут здесь очень до после
        без через над под между сегодня вот ли ни их ему им себя свой своей мне меня тебя тебе""",
    "uk": """я ти ось треба тоді потім зараз тепер чому завжди ніколи нічого хто чим йому ній
        них один одна одне навіть лише знову теж весь всього всіх бути став стало стала каже
        сказав можна потрібно людина люди час року життя день роботи більше менше майже який
        така такі і й та в у на не що це як по він вона вони з із зі для від так все всі його її
        але до або вже тільки чи ми ви при коли якщо б ні ще про то цей ця ці також який яка які
        може буде є щоб де там тут дуже після без через над під між сьогодні ось їх йому їм себе
        свій своєї мені мене тебе був була було були нею нього ним саме вголос ними сказала о
        таке яке цього цієї щось тобто адже отже проте ніж поки мають""",
    "be": """я ты і й ды у ў на не што гэта як па ён яна яны з са для ад так усё усе яго яе але
        да або ўжо толькі ці мы вы пры калі каб дзе там тут вельмі пасля без праз над пад паміж
        сёння іх яму ім сябе свой сваёй мне мяне вось чаго ёсць гэты гэтая былі была быў""",
    "bg": """аз него нея чрез сред пред около обаче докато ето тогава сега защото беше бяха един
        една едно дори какво кой защо нещо нищо винаги трябва ми ти ни ви ги съм сме сте бъде ли
        години време човек хора живот ден и в във на не че това като по той тя те с със за от
        така всичко всички го я но към да се е са бил била било били вече само или ние вие при
        когато ако би още то този тази тези също който която които може ще има където там тук
        много без през над под между днес ето им му ѝ си свой мен мене теб освен според всеки
        както повече няма негов нейния почти нужно дела из как""",
    "mk": """јас низ пред секој сега зашто беше беа еден една едно дури што ништо нешто секогаш
        треба тоа ги сум сме сте биде ли години време човек луѓе живот ден и во на не дека ова
        како по тој таа тие со за од така сè сите го ја но кон да се е беше бил била било биле
        веќе само или ние вие при кога ако би уште тоа овој оваа овие исто кој која кои може ќе
        има каде таму тука многу без преку над под меѓу денес ете им му си свој мене тебе негов
        нејзиниот""",
    "sr": """и у на не да је су што шта ово као по он она они са с за од тако све сви га ју али
        ка се био била било били већ само или ми ви при када ако би још то овај ова ови такође
        који која које може ће има где тамо овде веома после без кроз над под између данас ево
        им му себе свој мени мене тебе око поред године из дела""",
    "kk": """және мен бен пен да де та те ол бұл осы сол бір үшін деп емес еді болып болды бар
        жоқ сен біз сіз олар оның бойынша туралы арқылы кейін дейін ретінде жылы жыл""",
}


def _accents_dropped(lang: str, lexicon: dict[str, frozenset[str]]) -> frozenset[str]:
    """The words of `lang` as a lossy ASCII conversion leaves them, accented letters deleted
    ("más" -> "ms"), where that is no word of another language."""
    others = frozenset().union(*(words for other, words in lexicon.items() if other != lang))
    dropped = {"".join(c for c in word if c.isascii()) for word in lexicon[lang]}
    return frozenset(w for w in dropped if len(w) > 1 and w not in others) - lexicon[lang]


_LEXICON = {lang: frozenset(words.split()) for lang, words in _WORDS.items()}
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    **_LEXICON,
    "es": _LEXICON["es"] | _accents_dropped("es", _LEXICON),
}
