"""Pattern detectors with validation: e-mail, URL, phone, card, IBAN, IP, postcodes, addresses,
order and account numbers, dates.

Every function takes a string and returns a list of :class:`~cxinsight.anonymisation._spans.Detection`.
Numbers are validated where a checksum exists (Luhn for cards, mod-97 for IBANs, octet ranges
for IPv4, :mod:`ipaddress` for IPv6); phones are found with the ``phonenumbers`` library.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from cxinsight.anonymisation._spans import Detection

# ----------------------------------------------------------------------------- e-mail and URL
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
_TLDS = (
    "com|org|net|io|co|uk|ie|us|de|fr|es|it|nl|eu|info|biz|me|app|dev|ly|tv|ai|gov|edu|ca|au|nz"
)
_URL = re.compile(
    r"(?:(?:https?|ftp)://|www\.)[^\s<>\"')\]]+"
    rf"|(?<![@\w.-])(?:[A-Za-z0-9-]+\.)+(?:{_TLDS})(?:/[^\s<>\"')\]]*)?(?![\w@-])",
    re.IGNORECASE,
)


def find_emails(text: str) -> list[Detection]:
    """E-mail addresses (``name@domain.tld``)."""
    return [Detection(m.start(), m.end(), "EMAIL", 0.95, "email") for m in _EMAIL.finditer(text)]


def find_urls(text: str) -> list[Detection]:
    """Web addresses with a scheme, ``www.``, or a bare domain with a common top-level domain."""
    out = []
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?":
            end -= 1
        span = text[m.start():end]
        if "@" in span or span.count(".") == 0:
            continue
        score = 0.9 if span.lower().startswith(("http", "www.", "ftp")) else 0.7
        out.append(Detection(m.start(), end, "URL", score, "url"))
    return out


# ----------------------------------------------------------------------------- phones
#: an ISO date or a day-month-year date is a date, never a phone number
_DATE_LIKE = re.compile(
    r"(?:19|20)\d\d[-_/.]\d{1,2}[-_/.]\d{1,2}(?:[T _]\d{1,2}[:.]?\d{2}(?:[:.]?\d{2})?)?"
    r"|\d{1,2}[-_/.]\d{1,2}[-_/.](?:19|20)\d\d|(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
)


def _looks_like_date(raw: str) -> bool:
    return _DATE_LIKE.fullmatch(raw.strip("()[] ")) is not None


_PHONE_HINT = re.compile(r"\+?\(?\d[\d\s().\-/]{5,}\d")


def find_phones(text: str, regions: Sequence[str] = ("GB", "IE", "US")) -> list[Detection]:
    """Telephone numbers of the given regions (and any number written with a ``+`` prefix).

    Uses ``phonenumbers.PhoneNumberMatcher`` with ``Leniency.POSSIBLE`` so that numbers from
    ranges reserved for fiction (``07700 900123``, ``(415) 555-0123``) are found too.
    """
    if not _PHONE_HINT.search(text):
        return []
    import phonenumbers
    from phonenumbers import Leniency, PhoneNumberMatcher

    found: dict[tuple[int, int], Detection] = {}
    for region in regions:
        for match in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE):
            digits = re.sub(r"\D", "", match.raw_string)
            if len(digits) < 7 or _looks_like_date(match.raw_string):
                continue
            valid = phonenumbers.is_valid_number(match.number)
            score = 0.9 if valid else 0.75
            key = (match.start, match.end)
            if key not in found or found[key].score < score:
                found[key] = Detection(match.start, match.end, "PHONE", score, "phone")
    return list(found.values())


# ----------------------------------------------------------------------------- cards and IBAN
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_CARD_ENDING = re.compile(
    r"\b(?:card|visa|mastercard|amex|debit|credit)\b[^.\n]{0,30}?\b(?:ending|ends)\s+(?:in\s+|with\s+)?"
    r"(?:(?:number|no\.?)\s+)?(\d{4})\b",
    re.IGNORECASE,
)
_LAST_FOUR = re.compile(r"\blast\s+(?:four|4)(?:\s+digits)?\s+(?:are|is|were|being|of)?\s*(\d{4})\b", re.I)


def luhn_ok(digits: str) -> bool:
    """Return True when ``digits`` passes the Luhn checksum."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def find_cards(text: str) -> list[Detection]:
    """Payment card numbers (13-19 digits, Luhn-valid) and "card ending 4417" fragments."""
    out = []
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and luhn_ok(digits) and len(set(digits)) > 1:
            out.append(Detection(m.start(), m.end(), "CARD", 0.9, "card"))
    for rx in (_CARD_ENDING, _LAST_FOUR):
        for m in rx.finditer(text):
            out.append(Detection(m.start(1), m.end(1), "CARD", 0.7, "card"))
    return out


_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")


def iban_ok(candidate: str) -> bool:
    """Return True when ``candidate`` (spaces allowed) passes the IBAN mod-97 check."""
    s = candidate.replace(" ", "").upper()
    if not 15 <= len(s) <= 34:
        return False
    rearranged = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in rearranged)
    return int(num) % 97 == 1


def find_ibans(text: str) -> list[Detection]:
    """International bank account numbers that pass the mod-97 checksum."""
    out = []
    for m in _IBAN.finditer(text):
        span = m.group().rstrip()
        # the optional trailing group may swallow a following word: shrink until valid
        while span and not iban_ok(span):
            if " " not in span:
                span = ""
                break
            span = span.rsplit(" ", 1)[0]
        if span:
            out.append(Detection(m.start(), m.start() + len(span), "IBAN", 0.95, "iban"))
    return out


# ----------------------------------------------------------------------------- IP addresses
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")


def find_ips(text: str) -> list[Detection]:
    """IPv4 and IPv6 addresses (validated)."""
    out = []
    for m in _IPV4.finditer(text):
        if all(int(p) <= 255 for p in m.group().split(".")):
            out.append(Detection(m.start(), m.end(), "IP", 0.85, "ip"))
    for m in _IPV6.finditer(text):
        cand = m.group()
        if cand.count(":") < 2 or not re.search(r"[0-9A-Fa-f]", cand):
            continue
        try:
            ipaddress.IPv6Address(cand)
        except ValueError:
            continue
        out.append(Detection(m.start(), m.end(), "IP", 0.85, "ip"))
    return out


# ----------------------------------------------------------------------------- postcodes
_UK_POSTCODE = re.compile(
    r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)\s?\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE
)
_EIRCODE = re.compile(r"\b[ACDEFHKNPRTVWXY]\d[\dW]\s?[0-9ACDEFHKNPRTVWXY]{4}\b", re.IGNORECASE)
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
_US_ZIP = re.compile(
    rf"(?:\b(?:{_US_STATES}),?\s+|\bzip(?:\s*code)?\s*(?:is\s+|:\s*)?)(\d{{5}}(?:-\d{{4}})?)\b"
)
_US_ZIP_CI = re.compile(r"\bzip(?:\s*code)?\s*(?:is\s+|:\s*)?(\d{5}(?:-\d{4})?)\b", re.IGNORECASE)


def find_postcodes(text: str) -> list[Detection]:
    """UK postcodes, Irish Eircodes, and US ZIP codes after a state code or the word "zip"."""
    out = []
    for m in _UK_POSTCODE.finditer(text):
        g = m.group()
        # lower-case matches must still look like a postcode, not a word such as "me1 2ab"
        score = 0.9 if g.isupper() else 0.6
        if not any(c.isdigit() for c in g[:4]):
            continue
        out.append(Detection(m.start(), m.end(), "POSTCODE", score, "postcode"))
    for m in _EIRCODE.finditer(text):
        g = m.group().replace(" ", "")
        if sum(c.isdigit() for c in g) < 2 or g.isdigit():
            continue
        score = 0.85 if m.group().isupper() else 0.55
        out.append(Detection(m.start(), m.end(), "POSTCODE", score, "postcode"))
    for rx in (_US_ZIP, _US_ZIP_CI):
        for m in rx.finditer(text):
            out.append(Detection(m.start(1), m.end(1), "POSTCODE", 0.8, "postcode"))
    return out


# ----------------------------------------------------------------------------- street addresses
_STREET_TYPES = (
    "road|rd|street|st|avenue|ave|lane|ln|drive|dr|close|way|court|ct|place|pl|crescent|cres|"
    "terrace|boulevard|blvd|grove|gardens|gdns|park|square|sq|hill|row|mews|walk|view|parade|"
    "highway|hwy|parkway|pkwy|circle|cir|trail|rise|green|vale|quay|wharf|yard|bank|"
    "broadway|embankment|alley|esplanade|promenade|strand|north|south|east|west|upper|lower"
)
_WORD = r"[A-Za-z][A-Za-z'’.-]*"
_ADDRESS = re.compile(
    r"\b(?:(?:flat|apartment|apt|unit|suite)\.?\s*\d+[A-Za-z]?,?\s+)?"
    rf"\d{{1,5}}[A-Za-z]?(?:-\d{{1,5}})?,?\s+(?:{_WORD}\s+){{0,3}}(?:{_STREET_TYPES})\b\.?"
    r"(?:(?:,\s*|\s+)(?:apt|apartment|unit|suite|flat)\.?\s*#?\w+)?"
    r"(?-i:(?:,\s*[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){0,2})?)",
    re.IGNORECASE,
)
_NOT_STREET_WORDS = frozenset(
    "the a an on in of to at for and or but my our your his her their this that these those "
    "is was were are be been it its i you we they he she minutes minute hours hour days day "
    "weeks week months month years year times time quid pounds dollars euros meals boxes box "
    "people kids items things more less than per miles mile km metres meters feet floors "
    "floor stops doors houses streets blocks".split()
)
_BARE_ZIP = re.compile(r",?\s*\d{5}(?:-\d{4})?\b")
_UNIT = re.compile(r"\b(?:flat|apartment|apt|unit|suite)\.?\s+#?\d+[A-Za-z]?\b", re.IGNORECASE)


def find_addresses(text: str) -> list[Detection]:
    """Street addresses: a house number, up to three words, a street type, an optional town.

    A postcode that directly follows (``14 Alder Road, Leeds LS6 2QT``) is merged into the
    address by :func:`merge_address_postcodes`.
    """
    out = []
    for m in _ADDRESS.finditer(text):
        words = m.group().split()
        # "2 way" or "3 hours on the green" are not addresses
        if len(words) < 3 or any(w.lower().strip(",") in _NOT_STREET_WORDS for w in words[1:-1]):
            continue
        end = m.end()
        zip_code = _BARE_ZIP.match(text, end)
        if zip_code:
            end = zip_code.end()
        out.append(Detection(m.start(), end, "ADDRESS", 0.8, "address"))
    for m in _UNIT.finditer(text):
        out.append(Detection(m.start(), m.end(), "ADDRESS", 0.6, "address"))
    return out


def merge_address_postcodes(text: str, detections: list[Detection]) -> list[Detection]:
    """Join an ADDRESS and the POSTCODE (or town + postcode) right after it into one ADDRESS."""
    addresses = [d for d in detections if d.label == "ADDRESS"]
    if not addresses:
        return detections
    postcodes = [d for d in detections if d.label == "POSTCODE"]
    drop = set()
    merged = []
    for a in addresses:
        end = a.end
        for p in postcodes:
            gap = text[end:p.start]
            if p.start >= end and len(gap) <= 40 and re.fullmatch(r"[\s,]*(?:[A-Z][a-z'’-]+[\s,]+){0,3}", gap):
                end = p.end
                drop.add(p)
        if end != a.end:
            drop.add(a)
            merged.append(Detection(a.start, end, "ADDRESS", a.score, "address"))
    return [d for d in detections if d not in drop] + merged


# ----------------------------------------------------------------------------- IDs and dates
_ID_CODE = re.compile(r"\b[A-Z]{1,4}[-/]?\d{5,}[A-Z]?\b|\b[A-Z]{1,4}-[A-Z0-9]*\d[A-Z0-9]{3,}\b")
_LONG_DIGITS = re.compile(r"(?<![\d+])\d{6,}(?!\d)")
_ID_CONTEXT = re.compile(
    r"\b(?:order|account|acct|reference|ref|customer|membership|member|booking|tracking|"
    r"invoice|ticket|case|policy|number|no\.?|id)\b[^.\n]{0,25}$",
    re.IGNORECASE,
)
_UK_NI = re.compile(r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")
_US_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")


def find_id_numbers(text: str) -> list[Detection]:
    """Order, account and reference numbers (``GC-4471923``), long digit runs, UK NI, US SSN."""
    out = []
    for m in _ID_CODE.finditer(text):
        out.append(Detection(m.start(), m.end(), "ID_NUMBER", 0.85, "id_number"))
    for m in _LONG_DIGITS.finditer(text):
        ctx = _ID_CONTEXT.search(text[max(0, m.start() - 40):m.start()])
        out.append(Detection(m.start(), m.end(), "ID_NUMBER", 0.92 if ctx else 0.6, "id_number"))
    for rx in (_UK_NI, _US_SSN):
        for m in rx.finditer(text):
            out.append(Detection(m.start(), m.end(), "ID_NUMBER", 0.85, "id_number"))
    return out


_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = re.compile(
    r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?(?:,?\s+\d{{4}})?\b"
    rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b",
    re.IGNORECASE,
)


def find_dates(text: str) -> list[Detection]:
    """Calendar dates (``04/03/2026``, ``4 March 2026``, ``March 4th``). Off by default."""
    out = []
    for m in _DATE.finditer(text):
        g = m.group()
        # "may 4" needs a capital M to avoid the verb
        if g[:3].lower() == "may" and not g.startswith("May"):
            continue
        out.append(Detection(m.start(), m.end(), "DATE", 0.7, "date"))
    return out


# ----------------------------------------------------------------------------- handles, user names
_HANDLE = re.compile(r"(?<![\w.@/])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@])(?!\.[A-Za-z]{2,})")
#: lower-case letters with two or more digits: "cminh730", "jsmith_82", "anna.k99"
_USERNAME = re.compile(r"(?<![\w@./-])([a-z][a-z._]{2,20}?)[._]?(\d{2,6})(?![\w@/-]|\.[a-z])")
_USERNAME_CUE = re.compile(
    r"\b(?:user\s?name|user\s?id|handle|login|log-in|account(?:\s+name)?|gamertag|screen\s?name|"
    r"twitter|instagram|insta|tiktok|github|discord|slack|skype)\s*(?:is|was|:|=|-)?\s*"
    r"([A-Za-z][\w.]{2,30}\w)",
    re.IGNORECASE,
)


def find_handles(text: str, vocabulary: frozenset[str] = frozenset()) -> list[Detection]:
    """Social-media handles (``@user``) and user names (``cminh730``, "my username is jdoe").

    A lower-case word followed by digits is a user name unless the word is in ``vocabulary``
    (product and version names such as ``python38``, ``win10``, ``mp3`` stay).
    """
    out = []
    if "@" in text:
        for m in _HANDLE.finditer(text):
            out.append(Detection(m.start(), m.end(), "USERNAME", 0.9, "handle"))
    for m in _USERNAME.finditer(text):
        stem = m.group(1).strip("._")
        if stem in vocabulary or len(stem) < 3 or stem.rstrip("v") in vocabulary:
            continue
        out.append(Detection(m.start(), m.end(), "USERNAME", 0.7, "username"))
    lower_hint = text.lower()
    if any(w in lower_hint for w in ("user", "handle", "login", "log-in", "account", "tag", "name", "twitter",
                                     "insta", "tiktok", "github", "discord", "slack", "skype")):
        for m in _USERNAME_CUE.finditer(text):
            value = m.group(1)
            if value.lower() in vocabulary or value.lower() in ("is", "was", "the", "my", "your"):
                continue
            out.append(Detection(m.start(1), m.end(1), "USERNAME", 0.8, "username"))
    return out


# ----------------------------------------------------------------------------- birth dates, ages
_YEAR = r"(?:19|20)\d\d"
_DATE_TEXT = (
    r"(?:\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?(?:,?\s+{_YEAR})?"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+{_YEAR})?"
    rf"|(?:{_MONTHS})\.?\s+{_YEAR}|{_YEAR})"
)
_BIRTH = re.compile(
    r"\b(?:born(?:\s+(?:on|in))?(?:\s+the)?|date\s+of\s+birth|d\.?o\.?b\.?|birth\s?day|birth\s+date)"
    rf"(?:\s+(?:is|was|:|-|=|of))?[\s:,]*(?:(?:is|was)\s+)?(?:the\s+)?({_DATE_TEXT})\b",
    re.IGNORECASE,
)
_AGE = re.compile(
    r"\b(?:(?:i'?m|i\s+am|he'?s|she'?s|they'?re|aged?|turned|turning|was|is)\s+(\d{1,3})(?=\s*(?:years?|yrs?|y/?o|,|\.|$|\s+(?:in|on|when|since|and|now)\b))"
    r"|(\d{1,3})(?:[-\s]years?[-\s]old|\s?y/?o)\b)",
    re.IGNORECASE,
)
_ANY_DATE = re.compile(rf"\b{_DATE_TEXT}\b", re.IGNORECASE)
#: a full calendar date (day, month and year) in a year people alive now were born in
_FULL_OLD_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+(19[2-9]\d|200\d|201[0-2])"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(19[2-9]\d|200\d|201[0-2])"
    r"|\d{1,2}[/.-]\d{1,2}[/.-](19[2-9]\d|200\d|201[0-2]))\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


def find_birth_dates(text: str) -> list[Detection]:
    """Dates of birth ("born on 12 March 1984", "DOB: 12/03/1984", "born in 1979") and ages
    mentioned in a sentence that also holds a date or a year ("I was 34 in March 2019"): together
    they give the date of birth away."""
    out = []
    low = text.lower()
    if "born" in low or "birth" in low or "dob" in low or "d.o.b" in low:
        for m in _BIRTH.finditer(text):
            g = m.group(1)
            if g[:3].lower() == "may" and not g.startswith("May"):
                continue
            out.append(Detection(m.start(1), m.end(1), "DATE_OF_BIRTH", 0.9, "birth_date"))
    if any(c.isdigit() for c in text):
        # "Hers is 14 June 1985": a full date of a birth year is a date of birth until the
        # researcher says otherwise (a full date is identifying in any case)
        for m in _FULL_OLD_DATE.finditer(text):
            if m.group()[:3].lower() == "may" and not m.group().startswith("May"):
                continue
            out.append(Detection(m.start(), m.end(), "DATE_OF_BIRTH", 0.6, "birth_date"))
        for s in _SENTENCE.finditer(text):
            sentence = s.group()
            ages = [(m.start(1) if m.group(1) else m.start(2), m.end(1) if m.group(1) else m.end(2))
                    for m in _AGE.finditer(sentence)]
            ages = [(a, b) for a, b in ages if 0 < int(sentence[a:b]) < 120]
            if not ages:
                continue
            dates = [d for d in _ANY_DATE.finditer(sentence)
                     if not any(a < d.end() and d.start() < b for a, b in ages)]
            if dates:
                base = s.start()
                out += [Detection(base + a, base + b, "AGE", 0.8, "age_with_date") for a, b in ages]
                out += [Detection(base + d.start(), base + d.end(), "DATE_OF_BIRTH", 0.75, "age_with_date")
                        for d in dates]
    return out
