"""The static catalogue of the demo municipality, Ekeby kommun (about 30 000 inhabitants).

Departments, answer groups, staff with competence profiles, the case types the seeds name
(with ROSA level, public flag, unit price, volume weight and seasonal rhythm), agreements and
knowledge articles. Everything here is plain data; :mod:`core.demo.seed` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MUNICIPALITY = "Ekeby kommun"
DOMAIN = "ekeby.example"  # .example is reserved: demo mail never reaches anybody
DEMO_PASSWORD = "kontakt-demo-2026"
DEMO_REF = "demo"  # Contact.external_ref of every demo contact (tells demo data apart)
WEB_ACTOR = "e-tjanst"  # actor of timeline lines written by the e-service (no staff member)
SUPERVISOR = "helena.strand"

# Volumes: a few hundred contacts per working day for ~30 000 inhabitants.
CONTACTS_PER_WORKDAY = 300
CLOSED_DAY_SHARE = 0.06  # weekends and holidays: web forms, e-mail, SMS only
WEEKDAY_FACTOR = (1.28, 1.06, 1.0, 0.94, 0.78, 0.0, 0.0)  # Monday highest
# Opening hours 08-17: morning peak, lunch dip, afternoon second peak.
HOUR_WEIGHTS_OPEN = {
    8: 0.9,
    9: 1.45,
    10: 1.3,
    11: 1.0,
    12: 0.5,
    13: 1.1,
    14: 1.15,
    15: 0.9,
    16: 0.6,
}
# Written channels arrive round the clock, mostly in the daytime and evening.
HOUR_WEIGHTS_WRITTEN = (
    0.05, 0.03, 0.02, 0.02, 0.03, 0.08, 0.2, 0.5, 1.2, 1.4, 1.4, 1.3,
    1.1, 1.3, 1.3, 1.2, 1.1, 0.6, 0.45, 0.4, 0.4, 0.35, 0.2, 0.1,
)  # fmt: skip
CHANNEL_MIX_OPEN = {
    "phone": 0.55,
    "email": 0.16,
    "web": 0.12,
    "visit": 0.07,
    "letter": 0.03,
    "chat": 0.045,
    "sms": 0.015,
}
CHANNEL_MIX_CLOSED = {"web": 0.55, "email": 0.4, "sms": 0.05}
LANGUAGE_MIX = {"sv": 0.88, "en": 0.05, "ar": 0.03, "fi": 0.02, "so": 0.015, "fa": 0.005}


@dataclass(frozen=True)
class Dept:
    code: str
    name_sv: str
    name_en: str
    kind: str
    base_fee_kr: int = 0  # yearly subscription in the agreement (0: no agreement)
    calendar: str = "standard"

    @property
    def email(self) -> str:
        local = self.code.lower().replace("ä", "a").replace("å", "a").replace("ö", "o")
        return f"{local}@{DOMAIN}"


DEPARTMENTS = (
    Dept("KS", "Kommunstyrelsen", "Municipal Executive Board", "committee", 150_000),
    Dept("BUN", "Barn- och utbildningsnämnden", "Children and Education Committee", "committee",
         220_000),
    Dept("SN", "Socialnämnden", "Social Services Committee", "committee", 180_000),
    Dept("ÄN", "Äldrenämnden", "Elderly Care Committee", "committee", 200_000),
    Dept("SBN", "Samhällsbyggnadsnämnden", "Urban Planning and Building Committee", "committee",
         160_000),
    Dept("TN", "Tekniska nämnden", "Technical Services Committee", "committee", 190_000),
    Dept("KFN", "Kultur- och fritidsnämnden", "Culture and Leisure Committee", "committee",
         60_000),
    Dept("MN", "Miljönämnden", "Environment Committee", "committee", 70_000),
    Dept("EEV", "Ekeby Energi och Vatten AB", "Ekeby Energy and Water Ltd", "company", 120_000,
         "ekeby-bolag"),
    Dept("GYE", "Gröna Ytor Entreprenad AB", "Green Spaces Contracting Ltd", "external"),
)  # fmt: skip

# The municipal company keeps its own customer-service hours.
CALENDARS = (
    {
        "key": "ekeby-bolag",
        "name": "Ekeby Energi och Vatten (mån-fre 07-16)",
        "hours": {d: [["07:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    },
)
# Days before a holiday with shortened hours (on top of the klämdagar, which are closed).
SHORT_DAYS = (("skärtorsdag", ["08:00", "13:00"]), ("valborgsmässoafton", ["08:00", "13:00"]))


@dataclass(frozen=True)
class Group:
    code: str
    name_sv: str
    name_en: str
    department: str
    phone: str
    languages: tuple[str, ...]


GROUPS = (
    Group("vaxel", "Växel och allmänna frågor", "Switchboard and general questions", "KS",
          "0123-450 00", ("sv", "en")),
    Group("aldreomsorg", "Äldreomsorg", "Elderly care", "ÄN", "0123-450 10", ("sv", "fi", "ar")),
    Group("forskola-skola", "Förskola och skola", "Pre-school and school", "BUN", "0123-450 20",
          ("sv", "en", "ar", "so")),
    Group("bygg-miljo", "Bygg och miljö", "Building and environment", "SBN", "0123-450 30",
          ("sv", "en")),
    Group("gata-park-avfall", "Gata, park och avfall", "Streets, parks and waste", "TN",
          "0123-450 40", ("sv", "en")),
    Group("socialtjanst", "Socialtjänst", "Social services", "SN", "0123-450 50",
          ("sv", "ar", "so", "fi")),
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    username: str
    full_name: str
    roles: tuple[str, ...]
    extension: str
    languages: tuple[str, ...] = ("sv",)
    groups: tuple[str, ...] = ()  # answer groups (agents) or virtual membership (officers)
    department: str | None = None  # case officers: their department

    @property
    def email(self) -> str:
        return f"{self.username}@{DOMAIN}"


AGENTS = (
    Person("anna.lindqvist", "Anna Lindqvist", ("agent",), "4501", ("sv", "en"),
           ("vaxel", "bygg-miljo")),
    Person("mohammed.haddad", "Mohammed Haddad", ("agent",), "4502", ("sv", "ar", "en"),
           ("socialtjanst", "forskola-skola")),
    Person("liisa.korhonen", "Liisa Korhonen", ("agent",), "4503", ("sv", "fi"),
           ("aldreomsorg", "vaxel")),
    Person("fartun.ali", "Fartun Ali", ("agent",), "4504", ("sv", "so", "en"),
           ("forskola-skola", "socialtjanst")),
    Person("erik.johansson", "Erik Johansson", ("agent",), "4505", ("sv",),
           ("gata-park-avfall", "vaxel")),
    Person("sara.nilsson", "Sara Nilsson", ("agent",), "4506", ("sv", "en", "de"),
           ("bygg-miljo", "gata-park-avfall")),
    Person("johan.berg", "Johan Berg", ("agent",), "4507", ("sv", "en"),
           ("vaxel", "gata-park-avfall")),
    Person("maria.andersson", "Maria Andersson", ("agent",), "4508", ("sv", "es"),
           ("aldreomsorg", "forskola-skola")),
    Person("ali.rezaei", "Ali Rezaei", ("agent",), "4509", ("sv", "fa", "en"),
           ("socialtjanst", "aldreomsorg")),
    Person("karin.holm", "Karin Holm", ("agent",), "4510", ("sv", "en", "fr"),
           ("vaxel", "bygg-miljo")),
)  # fmt: skip

STAFF = (
    Person("lena.ek", "Lena Ek", ("reception",), "4500", ("sv", "en")),
    Person("per.sandberg", "Per Sandberg", ("registrator",), "4520"),
    Person("annika.lindqvist", "Annika Lindqvist", ("head_registrator",), "4521", ("sv", "en")),
    Person(SUPERVISOR, "Helena Strand", ("supervisor",), "4530", ("sv", "en")),
    Person("goran.wik", "Göran Wik", ("crisis_team",), "4540", ("sv", "en")),
    Person("ingrid.bergstrom", "Ingrid Bergström", ("case_officer",), "4601", department="KS"),
    Person("emma.lund", "Emma Lund", ("case_officer",), "4611", ("sv", "en"), department="BUN"),
    Person("ahmed.yusuf", "Ahmed Yusuf", ("case_officer",), "4621", ("sv", "ar", "so"),
           department="SN", groups=("socialtjanst",)),
    Person("birgitta.sjoberg", "Birgitta Sjöberg", ("case_officer",), "4631", ("sv", "fi"),
           department="ÄN"),
    Person("lars.eklund", "Lars Eklund", ("case_officer",), "4641", department="SBN",
           groups=("bygg-miljo",)),
    Person("nora.axelsson", "Nora Axelsson", ("case_officer",), "4642", ("sv", "en"),
           department="SBN"),
    Person("peter.forsberg", "Peter Forsberg", ("case_officer",), "4651", department="TN"),
    Person("jenny.dahl", "Jenny Dahl", ("case_officer",), "4661", ("sv", "en"), department="KFN"),
    Person("olof.hedlund", "Olof Hedlund", ("case_officer",), "4671", department="MN"),
    Person("kristina.palm", "Kristina Palm", ("case_officer",), "4681", department="EEV"),
    Person("stefan.oberg", "Stefan Öberg", ("case_officer",), "4691", department="GYE"),
)  # fmt: skip

PEOPLE = AGENTS + STAFF
# Who does the department's work when a case is forwarded to the department as a whole.
DEPARTMENT_OFFICER = {p.department: p.username for p in reversed(STAFF) if p.department}

FLAT = (1.0,) * 12


@dataclass(frozen=True)
class CaseTypeSpec:
    """One case type and how it behaves in the generated history."""

    code: str
    name_sv: str
    name_en: str
    department: str
    rosa: int
    public: bool
    price_kr: int  # unit price per contact for cost allocation
    group: str  # the answer group that takes these questions
    weight: float  # share of contacts over a year
    resolve: float  # probability a contact is resolved at first contact
    first_response_min: int  # agreement targets in business minutes (a working day is 540)
    resolution_min: int
    forward: tuple[str, str]  # (assignee kind, target) when the KC forwards a case
    topics: tuple[str, ...]
    season: tuple[float, ...] = FLAT  # January..December
    kc_share: float = 0.0  # share of opened cases the KC handles itself
    lateness: float = 0.0  # > 0: this back office often misses its times
    secret: bool = False
    keywords: tuple[str, ...] = ()
    description_sv: str = ""

    @property
    def kc_may_close(self) -> bool:
        return self.rosa <= 4


CASE_TYPES = (
    CaseTypeSpec(
        "allman-information", "Allmän information och vägledning",
        "General information and guidance", "KS", 1, False, 25, "vaxel", 20.0, 0.96, 540, 2700,
        ("user", "ingrid.bergstrom"),
        ("Öppettider för kommunhuset", "Fråga om sophämtning vid helgdag",
         "Vilken nämnd beslutar om detta?", "Fråga om kommunfullmäktiges sammanträde",
         "Hänvisad till Försäkringskassan", "Fråga om valet och röstningslokaler"),
        keywords=("information", "öppettider", "vägledning"),
    ),
    CaseTypeSpec(
        "koppling", "Koppling till medarbetare", "Call put through to staff", "KS", 1, False, 10,
        "vaxel", 11.0, 1.0, 540, 540, ("department", "KS"),
        ("Kopplad till handläggare", "Kopplad till rektor", "Sökte enhetschef, lämnat meddelande",
         "Kopplad till jourhavande"),
    ),
    CaseTypeSpec(
        "faktura-avgift", "Fakturor och avgifter", "Invoices and fees", "KS", 2, False, 35,
        "vaxel", 4.0, 0.82, 540, 5400, ("user", "ingrid.bergstrom"),
        ("Fråga om faktura för barnomsorg", "Vill ha anstånd med betalning",
         "Fråga om påminnelseavgift", "Felaktig faktura för vatten"),
        kc_share=0.3, keywords=("faktura", "avgift", "betalning"),
    ),
    CaseTypeSpec(
        "bygglov", "Bygglov", "Building permit", "SBN", 2, True, 95, "bygg-miljo", 7.0, 0.55,
        1080, 27000, ("user", "lars.eklund"),
        ("Behövs bygglov för altan?", "Ansökan om bygglov för garage",
         "Fråga om attefallshus", "Komplettering av bygglovsansökan",
         "Frågar om handläggningstid för bygglov", "Bygglov för fasadändring"),
        season=(0.6, 0.7, 1.1, 1.5, 1.6, 1.4, 0.8, 0.9, 1.1, 1.0, 0.8, 0.5),
        keywords=("bygglov", "altan", "attefall", "garage", "plan- och bygglagen"),
        description_sv="Vägledning om bygglov och anmälan; beslutet fattas av "
        "samhällsbyggnadsnämnden.",
    ),
    CaseTypeSpec(
        "agarbyte-avfall", "Ägarbyte av avfallsabonnemang", "Change of owner of waste subscription",
        "EEV", 3, True, 45, "gata-park-avfall", 3.5, 0.72, 540, 2700, ("department", "EEV"),
        ("Ägarbyte efter husköp", "Ägarbyte av avfallsabonnemang, dödsbo",
         "Ny ägare vill byta kärlstorlek"),
        season=(0.8, 0.8, 0.9, 1.0, 1.2, 1.4, 1.3, 1.2, 1.0, 0.9, 0.8, 0.7), kc_share=0.5,
        keywords=("avfall", "sophämtning", "ägarbyte", "abonnemang"),
    ),
    CaseTypeSpec(
        "forskoleplats", "Förskoleplats", "Pre-school place", "BUN", 3, True, 65,
        "forskola-skola", 8.0, 0.7, 540, 5400, ("user", "emma.lund"),
        ("Ansökan om förskoleplats", "Fråga om kötid till förskola", "Byte av förskola",
         "Uppsägning av förskoleplats", "Fråga om placering i syskonförtur"),
        season=(1.0, 1.1, 1.4, 1.5, 1.1, 0.8, 0.5, 1.4, 1.3, 1.0, 0.9, 0.7), kc_share=0.3,
        keywords=("förskola", "barnomsorg", "kö", "placering"),
    ),
    CaseTypeSpec(
        "parkeringstillstand", "Parkeringstillstånd", "Parking permit", "TN", 4, True, 80,
        "gata-park-avfall", 4.0, 0.6, 1080, 10800, ("user", "peter.forsberg"),
        ("Ansökan om parkeringstillstånd för rörelsehindrad", "Förnyelse av p-tillstånd",
         "Boendeparkering, fråga om avgift", "P-tillstånd för miljöfordon"),
        kc_share=0.45, keywords=("parkering", "p-tillstånd", "rörelsehindrad"),
    ),
    CaseTypeSpec(
        "serveringstillstand", "Serveringstillstånd", "Licence to serve alcohol", "MN", 2, True,
        90, "bygg-miljo", 1.5, 0.6, 1080, 16200, ("user", "olof.hedlund"),
        ("Tillfälligt serveringstillstånd för festival", "Ansökan om serveringstillstånd",
         "Fråga om kunskapsprov"),
        season=(0.6, 0.7, 1.2, 1.6, 1.6, 1.2, 0.8, 0.8, 0.9, 0.9, 0.8, 0.9),
        keywords=("servering", "alkohol", "tillstånd", "restaurang"),
    ),
    CaseTypeSpec(
        "trasiga-lekredskap", "Trasiga lekredskap", "Broken playground equipment", "TN", 1, True,
        30, "gata-park-avfall", 2.0, 0.3, 540, 2700, ("department", "GYE"),
        ("Gungan på lekplatsen har gått sönder", "Trasig rutschkana i Ekebyparken",
         "Vasst utstickande spik i sandlådan", "Klätterställning har lös planka"),
        season=(0.3, 0.3, 0.6, 1.2, 1.7, 1.8, 1.6, 1.5, 1.2, 0.8, 0.5, 0.3), lateness=0.2,
        keywords=("lekplats", "lekredskap", "felanmälan"),
    ),
    CaseTypeSpec(
        "fixartjanst", "Fixartjänst", "Handyman service for seniors", "ÄN", 3, True, 40,
        "aldreomsorg", 2.5, 0.5, 540, 5400, ("department", "ÄN"),
        ("Byte av glödlampa i taket", "Hjälp att sätta upp brandvarnare",
         "Hjälp att byta gardiner", "Halkskydd i badrummet"),
        season=(1.1, 1.0, 1.0, 1.2, 1.1, 0.9, 0.6, 0.8, 1.0, 1.1, 1.2, 1.3), kc_share=0.2,
        keywords=("fixare", "fixartjänst", "äldre", "hjälp i hemmet"),
    ),
    CaseTypeSpec(
        "fardtjanst", "Färdtjänst", "Mobility service", "TN", 3, True, 70, "aldreomsorg", 4.0,
        0.65, 540, 10800, ("department", "TN"),
        ("Ansökan om färdtjänst", "Fråga om riksfärdtjänst till jul",
         "Klagomål på sen färdtjänstresa", "Förlängning av färdtjänsttillstånd"),
        season=(1.0, 0.9, 1.0, 1.0, 1.0, 1.0, 0.8, 0.9, 1.0, 1.0, 1.1, 1.4), kc_share=0.25,
        keywords=("färdtjänst", "riksfärdtjänst", "resor"),
    ),
    CaseTypeSpec(
        "gatubelysning", "Felanmälan gatubelysning", "Street lighting fault", "TN", 1, True, 25,
        "gata-park-avfall", 2.5, 0.25, 540, 5400, ("department", "GYE"),
        ("Gatlykta släckt på Storgatan", "Flera lyktor släckta längs gång- och cykelvägen",
         "Gatlampa blinkar vid busshållplatsen"),
        season=(1.8, 1.4, 1.0, 0.6, 0.3, 0.2, 0.2, 0.4, 0.9, 1.5, 1.9, 2.0),
        keywords=("gatubelysning", "gatlykta", "felanmälan"),
    ),
    CaseTypeSpec(
        "snorojning", "Snöröjning och halkbekämpning", "Snow clearing and gritting", "TN", 1,
        True, 25, "gata-park-avfall", 4.0, 0.6, 540, 1080, ("department", "GYE"),
        ("Ej plogat på villagatan", "Halt på gångbanan vid skolan, önskar sandning",
         "Plogvallen blockerar infarten", "Fråga om när vår gata plogas"),
        season=(3.2, 2.8, 1.2, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 1.0, 2.5), lateness=0.6,
        keywords=("snö", "plogning", "halka", "sandning"),
    ),
    CaseTypeSpec(
        "hemtjanst", "Hemtjänst", "Home care", "ÄN", 5, False, 60, "aldreomsorg", 6.0, 0.75,
        540, 10800, ("user", "birgitta.sjoberg"),
        ("Ansökan om hemtjänst för mamma", "Fråga om avgift för hemtjänst",
         "Vill ändra tid för hemtjänstbesök", "Klagomål på hemtjänsten"),
        keywords=("hemtjänst", "bistånd", "äldreomsorg"),
    ),
    CaseTypeSpec(
        "skolskjuts", "Skolskjuts", "School transport", "BUN", 4, True, 50, "forskola-skola",
        2.5, 0.6, 540, 10800, ("user", "emma.lund"),
        ("Ansökan om skolskjuts inför hösten", "Skolskjutsen kom inte i morse",
         "Fråga om avstånd för rätt till skolskjuts"),
        season=(1.0, 0.9, 0.8, 0.8, 1.0, 1.6, 1.2, 2.2, 1.3, 0.8, 0.7, 0.7), kc_share=0.3,
        keywords=("skolskjuts", "skolbuss", "elevresor"),
    ),
    CaseTypeSpec(
        "skolval", "Skolval och skolplacering", "School choice and placement", "BUN", 3, True, 50,
        "forskola-skola", 2.0, 0.7, 540, 5400, ("user", "emma.lund"),
        ("Fråga om skolvalet till förskoleklass", "Byte av skola efter flytt",
         "Fråga om placering i grundskola"),
        season=(2.2, 1.8, 1.0, 0.8, 0.8, 1.0, 0.6, 1.3, 0.9, 0.7, 0.6, 0.6),
        keywords=("skolval", "grundskola", "förskoleklass"),
    ),
    CaseTypeSpec(
        "bostadsanpassning", "Bostadsanpassningsbidrag", "Housing adaptation grant", "SBN", 5,
        True, 90, "aldreomsorg", 1.5, 0.6, 1080, 21600, ("user", "nora.axelsson"),
        ("Ansökan om bidrag för dörrautomatik", "Fråga om ramp till entrén",
         "Bostadsanpassning av badrum"),
        keywords=("bostadsanpassning", "bidrag", "funktionsnedsättning"),
    ),
    CaseTypeSpec(
        "ekonomiskt-bistand", "Ekonomiskt bistånd", "Financial assistance", "SN", 6, False, 85,
        "socialtjanst", 5.0, 0.6, 540, 5400, ("user", "ahmed.yusuf"),
        ("Fråga om ansökan om försörjningsstöd", "Vill boka tid med socialsekreterare",
         "Fråga om utbetalningsdag", "Akut behov av matpengar"),
        secret=True, keywords=("försörjningsstöd", "socialbidrag", "bistånd"),
    ),
    CaseTypeSpec(
        "orosanmalan", "Orosanmälan barn", "Report of concern for a child", "SN", 6, False, 85,
        "socialtjanst", 0.8, 0.1, 60, 1080, ("user", "ahmed.yusuf"),
        ("Orosanmälan från granne", "Orosanmälan från förskolan"),
        secret=True, keywords=("orosanmälan", "barn", "socialtjänst"),
    ),
    CaseTypeSpec(
        "matavfallskarl", "Matavfallskärl och sortering", "Food waste bins and sorting", "EEV", 2,
        True, 25, "gata-park-avfall", 3.0, 0.7, 540, 2700, ("department", "EEV"),
        ("Vill beställa påsar till matavfall", "Matavfallskärlet blev inte tömt",
         "Trasigt lock på kärlet", "Fråga om sortering av förpackningar"),
        season=(0.8, 0.8, 0.9, 1.0, 1.1, 1.3, 1.4, 1.3, 1.1, 0.9, 0.8, 0.9), kc_share=0.4,
        keywords=("matavfall", "kärl", "sortering", "sophämtning"),
    ),
    CaseTypeSpec(
        "vatten-avlopp", "Vatten och avlopp", "Water and sewerage", "EEV", 1, True, 30,
        "gata-park-avfall", 2.0, 0.55, 120, 1080, ("user", "kristina.palm"),
        ("Inget vatten i kranen", "Stopp i avloppet, kommunens del?",
         "Fråga om vattenmätaravläsning", "Missfärgat vatten"),
        keywords=("vatten", "avlopp", "VA", "vattenläcka"),
    ),
    CaseTypeSpec(
        "hundrastgard", "Hundrastgård", "Dog park", "TN", 1, True, 20, "gata-park-avfall", 0.6,
        0.7, 540, 5400, ("department", "GYE"),
        ("Trasig grind i hundrastgården", "Önskemål om ny hundrastgård", "Soptunnan full"),
        season=(0.6, 0.6, 0.8, 1.1, 1.3, 1.4, 1.4, 1.3, 1.1, 0.9, 0.8, 0.7),
        keywords=("hund", "hundrastgård", "park"),
    ),
    CaseTypeSpec(
        "lokalbokning", "Lokal- och anläggningsbokning", "Booking of premises and sports halls",
        "KFN", 3, True, 30, "vaxel", 3.0, 0.75, 540, 2700, ("user", "jenny.dahl"),
        ("Boka sporthallen för säsongen", "Hyra samlingslokal till kalas",
         "Avboka tid i simhallen", "Fråga om föreningsbidrag"),
        season=(1.2, 1.1, 1.0, 0.9, 0.8, 0.6, 0.4, 1.6, 1.5, 1.0, 1.0, 0.9), kc_share=0.5,
        keywords=("lokal", "bokning", "idrottshall", "förening"),
    ),
    CaseTypeSpec(
        "bibliotek-kultur", "Bibliotek och kulturskola", "Library and arts school", "KFN", 1,
        False, 20, "vaxel", 2.0, 0.92, 540, 2700, ("user", "jenny.dahl"),
        ("Öppettider för biblioteket", "Anmälan till kulturskolan", "Förlorat lånekort"),
        keywords=("bibliotek", "kulturskola", "lånekort"),
    ),
    CaseTypeSpec(
        "miljoklagomal", "Klagomål buller, lukt och nedskräpning",
        "Complaint about noise, odour or littering", "MN", 5, True, 50, "bygg-miljo", 1.5, 0.35,
        1080, 10800, ("user", "olof.hedlund"),
        ("Buller från byggarbetsplats kvällstid", "Lukt från grannens eldstad",
         "Nedskräpning vid återvinningsstationen"),
        season=(0.8, 0.8, 0.9, 1.0, 1.2, 1.3, 1.3, 1.2, 1.0, 0.9, 0.8, 0.8), lateness=0.3,
        keywords=("buller", "lukt", "miljö", "klagomål"),
    ),
)  # fmt: skip

CASE_TYPE_BY_CODE = {c.code: c for c in CASE_TYPES}
# Case types an answer group's agents are competent for.
GROUP_CASE_TYPES: dict[str, tuple[str, ...]] = {
    g.code: tuple(c.code for c in CASE_TYPES if c.group == g.code) for g in GROUPS
}

FORWARD_REASONS = (
    "Kräver handläggning och beslut i förvaltningen.",
    "Medborgaren behöver kontakt med ansvarig handläggare.",
    "Utanför kontaktcentrets överenskommelse; lämnat vidare med all information.",
    "Behöver besök på plats.",
)
PUBLIC_NOTES = (
    "Vi har tagit emot ditt ärende och handläggaren återkommer till dig.",
    "Ärendet är fördelat till ansvarig handläggare.",
    "Vi har varit på plats och planerar åtgärd.",
    "Handläggningen pågår. Du får besked när beslut är fattat.",
)
WAITING_TEXTS = (
    "Vi behöver kompletterande uppgifter från dig för att kunna gå vidare.",
    "Vi väntar på underlag från dig (ritning eller intyg).",
)
CLOSING_TEXTS = (
    "Ärendet är åtgärdat. Tack för att du hörde av dig!",
    "Beslut har fattats och skickats till dig.",  # [1]: used after a decision
    "Ärendet är avslutat efter kontakt med dig.",
    "Vi har svarat på din fråga och avslutar ärendet.",
)

# Demo citizens (Skatteverket-style test identities: 19121212-1212 is the classic test person).
PARTIES = (
    {"kind": "person", "name": "Tolvan Tolvansson", "id_number": "19121212-1212",
     "phone": "070-174 06 05", "preferred_language": "sv", "preferred_channel": "phone",
     "address": "Storgatan 12, 123 45 Ekeby"},
    {"kind": "person", "name": "Aisha Warsame", "phone": "070-174 06 12",
     "preferred_language": "so", "preferred_channel": "sms"},
    {"kind": "person", "name": "Sara Nilsson", "email": "sara.nilsson@example.org",
     "preferred_language": "sv", "preferred_channel": "email"},
)  # fmt: skip


@dataclass(frozen=True)
class ArticleSpec:
    kind: str  # faq | checklist | script
    audience: str  # internal | public
    title: str
    body: str
    case_types: tuple[str, ...] = field(default_factory=tuple)


ARTICLES = (
    ArticleSpec(
        "script", "internal", "Talmanus: bygglov",
        "1. Hälsa och presentera dig: \"Ekeby kommun, du pratar med …\"\n"
        "2. Fråga vad som ska byggas och var (fastighetsbeteckning).\n"
        "3. Kontrollera om åtgärden är bygglovsbefriad (attefallsåtgärd, friggebod) "
        "eller kräver anmälan.\n"
        "4. Berätta om e-tjänsten \"Ansök om bygglov\" och vilka handlingar som behövs: "
        "situationsplan, fasad- och planritningar.\n"
        "5. Handläggningstiden är högst tio veckor från komplett ansökan.\n"
        "6. Frågor om detaljplan eller strandskydd: registrera ärendet och vidarebefordra "
        "till bygglovshandläggare.\n"
        "7. Sammanfatta och ge ärendenummer och kod till Mina ärenden.",
        ("bygglov",),
    ),
    ArticleSpec(
        "faq", "public", "Behöver jag bygglov för altan eller plank?",
        "En altan som är lägre än 1,2 meter och ligger inom 3,6 meter från bostadshuset "
        "behöver inte bygglov. Plank och murar högre än 1,1 meter kräver bygglov. "
        "Kontakta kontaktcenter om du är osäker.",
        ("bygglov",),
    ),
    ArticleSpec(
        "checklist", "internal", "Checklista: komplett bygglovsansökan",
        "- Ansökningsblankett eller e-tjänst\n- Situationsplan i skala 1:500\n"
        "- Fasad-, plan- och sektionsritningar\n- Kontrollansvarig vid behov\n"
        "- Fastighetsbeteckning och sökandens kontaktuppgifter",
        ("bygglov",),
    ),
    ArticleSpec(
        "faq", "public", "Hur byter jag ägare på avfallsabonnemanget?",
        "Vid husköp anmäler den nya ägaren ägarbytet via e-tjänsten eller till kontaktcenter. "
        "Uppge tillträdesdag, fastighetsbeteckning och fakturaadress. Abonnemanget flyttas "
        "från och med tillträdesdagen.",
        ("agarbyte-avfall",),
    ),
    ArticleSpec(
        "faq", "public", "Hur ansöker jag om förskoleplats?",
        "Ansök i e-tjänsten senast fyra månader innan du behöver platsen. Du kan önska upp "
        "till tre förskolor. Syskonförtur gäller till den förskola där syskon redan går.",
        ("forskoleplats",),
    ),
    ArticleSpec(
        "checklist", "internal", "Checklista: förskoleplats i telefon",
        "- Barnets personnummer och önskat startdatum\n- Önskade förskolor (högst tre)\n"
        "- Vårdnadshavarnas kontaktuppgifter\n- Syskon i verksamheten?\n"
        "- Inkomstuppgift för avgift lämnas i e-tjänsten",
        ("forskoleplats", "skolval"),
    ),
    ArticleSpec(
        "faq", "public", "Parkeringstillstånd för rörelsehindrade",
        "Du kan få parkeringstillstånd om du har ett varaktigt funktionshinder och stora "
        "svårigheter att gå. Ansökan görs med läkarintyg och foto. Kontaktcenter hjälper "
        "dig att fylla i ansökan; beslut fattas inom fyra veckor.",
        ("parkeringstillstand",),
    ),
    ArticleSpec(
        "faq", "public", "Serveringstillstånd – så ansöker du",
        "Stadigvarande serveringstillstånd söks hos miljönämnden. Ansökan ska innehålla "
        "uppgifter om lokalen, kök och ägarförhållanden. Kunskapsprov i alkohollagen krävs. "
        "Tillfälligt tillstånd för en enstaka tillställning söks senast sex veckor innan.",
        ("serveringstillstand",),
    ),
    ArticleSpec(
        "checklist", "internal", "Felanmälan i utemiljön (lekplats, belysning, hundrastgård)",
        "- Exakt plats (gata, park, närmaste adress)\n- Vad är trasigt, finns risk för skada?\n"
        "- Akut fara: ring entreprenörens jour, annars vidarebefordra till Gröna Ytor "
        "Entreprenad AB\n- Fråga om anmälaren vill ha återkoppling",
        ("trasiga-lekredskap", "gatubelysning", "hundrastgard"),
    ),
    ArticleSpec(
        "faq", "public", "Fixartjänsten – hjälp med små sysslor i hemmet",
        "Är du 67 år eller äldre kan du få hjälp av kommunens fixare med till exempel byte av "
        "glödlampor, brandvarnare och gardiner. Tjänsten är avgiftsfri; du betalar bara "
        "material.",
        ("fixartjanst",),
    ),
    ArticleSpec(
        "faq", "public", "Färdtjänst och riksfärdtjänst",
        "Färdtjänst söks hos tekniska nämnden. Resor till jul och nyår ska bokas i god tid. "
        "Riksfärdtjänst gäller resor utanför länet och söks senast tre veckor före resan.",
        ("fardtjanst",),
    ),
    ArticleSpec(
        "faq", "public", "När plogas min gata?",
        "Huvudgator och bussgator plogas först, därefter gång- och cykelvägar och sist "
        "villagator. Plogning startar vid 5 cm snö. Sandning sker vid halka på prioriterade "
        "gångstråk.",
        ("snorojning",),
    ),
    ArticleSpec(
        "faq", "internal", "Hemtjänst: vad kontaktcenter kan svara på",
        "Kontaktcenter ger information om hur man ansöker och om avgifter. Ansökan och frågor "
        "om beslut lämnas till biståndshandläggare. Ändrade besökstider hanteras av "
        "hemtjänstgruppen.",
        ("hemtjanst",),
    ),
    ArticleSpec(
        "faq", "public", "Skolskjuts – vem har rätt?",
        "Elever i förskoleklass till årskurs 3 med mer än 2 km till skolan och i årskurs 4-9 "
        "med mer än 4 km har rätt till skolskjuts. Ansök inför varje läsår.",
        ("skolskjuts",),
    ),
    ArticleSpec(
        "faq", "public", "Bostadsanpassningsbidrag",
        "Har du en funktionsnedsättning kan du få bidrag för att anpassa bostaden, till exempel "
        "ta bort trösklar eller installera dörrautomatik. Ansökan ska ha intyg från "
        "arbetsterapeut.",
        ("bostadsanpassning",),
    ),
    ArticleSpec(
        "script", "internal", "Talmanus: samtal om ekonomiskt bistånd",
        "1. Fråga inte efter detaljer om personens ekonomi i telefon i kontaktcentret.\n"
        "2. Ge information om hur man ansöker (e-tjänst eller blankett).\n"
        "3. Vid akut behov: koppla till socialtjänstens mottagning eller socialjouren.\n"
        "4. Registrera ärendet som sekretess och vidarebefordra till socialsekreterare.",
        ("ekonomiskt-bistand",),
    ),
    ArticleSpec(
        "checklist", "internal", "Orosanmälan: ta emot och vidarebefordra samma dag",
        "- Anmälarens namn och roll (kan vara anonym om privatperson)\n- Barnets namn och "
        "ålder\n- Vad har hänt, när?\n- Akut fara: hänvisa till 112\n- Vidarebefordra direkt "
        "till socialtjänstens mottagningsgrupp; ärendet är sekretessmarkerat",
        ("orosanmalan",),
    ),
    ArticleSpec(
        "faq", "public", "Matavfall: påsar, kärl och tömning",
        "Papperspåsar för matavfall hämtas gratis i biblioteket och kommunhuset eller beställs "
        "via e-tjänsten. Kärlet töms varannan vecka, varje vecka under sommaren.",
        ("matavfallskarl", "agarbyte-avfall"),
    ),
    ArticleSpec(
        "faq", "public", "Vattenläcka eller inget vatten",
        "Vid vattenläcka eller avbrott: kontrollera driftinformationen på webben. Ring "
        "kontaktcenter dagtid och Ekeby Energi och Vattens jour kvällar och helger.",
        ("vatten-avlopp",),
    ),
    ArticleSpec(
        "faq", "public", "Boka lokal eller idrottshall",
        "Föreningar söker säsongstider senast 1 maj. Privatpersoner bokar lediga tider i "
        "bokningssystemet eller via kontaktcenter. Avbokning senast 48 timmar före.",
        ("lokalbokning",),
    ),
    ArticleSpec(
        "faq", "internal", "Vanliga frågor till växeln",
        "Kommunhuset har öppet måndag-fredag 08-17, lunchstängt i receptionen 12-13. "
        "Kommunfullmäktiges sammanträden sänds på webben. Frågor om faktura: se artikeln om "
        "fakturor och avgifter.",
        ("allman-information", "koppling"),
    ),
    ArticleSpec(
        "faq", "public", "Fakturor och avgifter",
        "Frågor om fakturor för barnomsorg, vatten och avfall besvaras av kontaktcenter. "
        "Anstånd med betalning kan beviljas i upp till 30 dagar.",
        ("faktura-avgift",),
    ),
    ArticleSpec(
        "faq", "public", "Klagomål på buller, lukt eller nedskräpning",
        "Miljönämnden utreder klagomål på störningar. Beskriv vad, var och när störningen "
        "inträffar. Anonyma klagomål kan tas emot men är svårare att följa upp.",
        ("miljoklagomal",),
    ),
    ArticleSpec(
        "faq", "public", "Bibliotek och kulturskola",
        "Huvudbiblioteket har öppet vardagar 10-19 och lördagar 10-14. Anmälan till "
        "kulturskolan görs i e-tjänsten inför varje termin.",
        ("bibliotek-kultur",),
    ),
)  # fmt: skip
