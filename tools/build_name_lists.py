"""Build the name gazetteers and the common-word list shipped in ``cxinsight/resources/names``.

Run once at build time (``python tools/build_name_lists.py``); the library reads the text
files it writes and never imports Faker for detection.

Sources
-------
- First and last names: the person providers of Faker (MIT licence), every locale whose names
  are written in Latin script (English, Irish, Spanish, French, German, Italian, Dutch,
  Portuguese, Polish, Nordic, Turkish, Vietnamese, Nigerian, Kenyan, Indian English, ...).
- Words that are capitalised but are not people: countries, US states and UK counties from
  Faker's address providers (except those that are also first or last names, such as Jordan,
  Georgia) and a short hand-written list (months, days, nationalities, brands, "Mum").
- Common English words: lower-case word frequencies in the GoEmotions training split
  (Demszky et al. 2020, Apache-2.0), read from ``../shared/data/goemotions/train.tsv``. Reddit
  comments in GoEmotions have person names masked as ``[NAME]``, so the frequent lower-case
  words there are ordinary words. A name-list entry that is also a common word ("will", "mark",
  "may") is only trusted by the detector when it is capitalised or follows a cue.
- Vocabulary (any lower-case word seen): GoEmotions train, Banking77 train (Casanueva et al.
  2020, CC BY 4.0) and words tagged ``O`` at least twice in WNUT-17 train (Derczynski et al.
  2017, CC BY 4.0). A lower-case word outside it is a weak sign of a name ("trelby").
"""

from __future__ import annotations

import csv
import importlib
import pkgutil
import re
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "cxinsight" / "resources" / "names"
SHARED = ROOT.parent / "shared" / "data"

#: lower-case occurrences in GoEmotions above which a word counts as common
MIN_COMMON_COUNT = 4


def _latin(word: str) -> bool:
    for ch in word:
        if ch in "'-":
            continue
        if not ch.isalpha():
            return False
        if "LATIN" not in unicodedata.name(ch, ""):
            return False
    return True


def _fold(word: str) -> str:
    """Lower-case and strip accents (``Zoë`` -> ``zoe``)."""
    norm = unicodedata.normalize("NFKD", word)
    return "".join(c for c in norm if not unicodedata.combining(c)).lower()


#: locales whose first names are trusted even when they are also common English words (Will, Grace)
ENGLISH_LOCALES = ("en", "en_GB", "en_IE", "en_US", "en_NZ", "en_CA", "ga_IE")


def _names(attr_prefix: str, locales: tuple[str, ...] | None = None) -> set[str]:
    import faker.providers.person as person

    out: set[str] = set()
    for mod in pkgutil.iter_modules(person.__path__):
        if locales is not None and mod.name not in locales:
            continue
        try:
            provider = importlib.import_module(f"faker.providers.person.{mod.name}").Provider
        except (ImportError, AttributeError):
            continue
        for attr in dir(provider):
            if not attr.startswith(attr_prefix) or attr.endswith("_format") or "formats" in attr:
                continue
            values = getattr(provider, attr)
            if isinstance(values, dict):
                values = list(values)
            if not isinstance(values, (list, tuple)):
                continue
            for v in values:
                if not isinstance(v, str):
                    continue
                for part in re.split(r"[\s]+", v.strip()):
                    part = part.strip(".")
                    if len(part) >= 2 and _latin(part) and part[0].isupper():
                        out.add(_fold(part))
    return out


def _common_words() -> set[str]:
    path = SHARED / "goemotions" / "train.tsv"
    if not path.exists():
        raise SystemExit(f"{path} not found: the common-word list is built from GoEmotions train.")
    counts: Counter[str] = Counter()
    with path.open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            for w in re.findall(r"[A-Za-z][a-z']*", row[0]):
                if w.islower():
                    counts[w.strip("'")] += 1
    words = {w for w, n in counts.items() if n >= MIN_COMMON_COUNT and len(w) > 1}
    try:
        from spacy.lang.en.stop_words import STOP_WORDS

        words |= {w for w in STOP_WORDS if w.isalpha()}
    except ImportError:  # pragma: no cover
        pass
    return words


#: Capitalised words that are not people: calendar, places, brands, languages (hand-written).
_NOT_PERSON_EXTRA = """
monday tuesday wednesday thursday friday saturday sunday january february march april june july
august september october november december christmas easter halloween xmas ramadan diwali
thanksgiving english british irish scottish welsh american european french german italian
spanish chinese indian japanese korean african asian australian canadian mexican polish dutch
uk usa us eu nhs bbc itv cnn nfl nba fifa covid london leeds manchester dublin cork galway
glasgow edinburgh cardiff bristol birmingham liverpool leicester belfast york oxford cambridge
seattle portland austin boston chicago texas california florida york paris berlin tokyo
instagram facebook twitter tiktok youtube google amazon apple microsoft netflix spotify uber
deliveroo tesco sainsbury sainsburys asda aldi lidl waitrose ocado morrisons iceland costco
walmart target ebay paypal visa mastercard amex whatsapp zoom teams otter iphone ipad android
samsung alexa siri hellofresh gousto mindful chef reddit snapchat linkedin pinterest gmail
hotmail outlook yahoo royal mail dpd evri hermes ups fedex usps dhl trustpilot
god jesus lord allah bible quran mr mrs ms dr sir okay ok lol omg wtf
jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
may
mondays tuesdays wednesdays thursdays fridays saturdays sundays weekend weekends
moroccan korean mexican thai vietnamese turkish greek lebanese persian caribbean jamaican
nigerian ghanaian scandinavian mediterranean asian-style cajun creole tex-mex
mam mum mom dad nan nana gran granny grandad grandpa grandma auntie uncle hun babe mate
mm mmm mhm mm-hmm uh-huh uh um erm er hmm ah oh ooh aye yeah yep nope okay
eircode postcode zip app apps wifi bluetooth covid-19 pm am tv ad ads
"""


#: Product, technology, brand and interface words that feedback about software is full of and
#: that a capital letter or a statistical tagger easily takes for a name (hand-written; English).
_TECHNOLOGY = """
python jupyter jupyterlab ipython notebook notebooks lab hub jupyterhub binder voila nbconvert
nbdime nbextensions ipywidgets widgets kernel kernels markdown rmarkdown latex tex html css js
javascript typescript java scala kotlin rust golang go julia matlab octave fortran perl ruby php
sql nosql mysql postgres postgresql sqlite mongodb redis spark pyspark hadoop hive kafka dask
pandas numpy scipy matplotlib seaborn plotly bokeh altair dash streamlit panel holoviz tableau
powerbi excel word powerpoint office sheets docs drive onedrive sharepoint dropbox box notion
confluence jira trello asana miro figma sketch canva git github gitlab bitbucket svn vcs
docker kubernetes k8s helm terraform ansible aws azure gcp cloud lambda ec2 s3 databricks
snowflake sagemaker colab kaggle vscode code vim emacs neovim pycharm intellij eclipse spyder
rstudio atom sublime xcode visual studio conda anaconda miniconda mamba pip pypi venv virtualenv
poetry npm yarn node nodejs react angular vue svelte django flask fastapi rails laravel spring
linux ubuntu debian fedora centos windows macos mac osx ios android chrome chromium firefox
safari edge opera browser api apis sdk cli gui ui ux ide repl lsp json yaml xml csv pdf png svg
http https ssh ssl tls vpn dns url usb wifi bluetooth cpu gpu tpu ram ssd cuda tensorflow keras
pytorch torch sklearn scikit xgboost lightgbm huggingface transformers bert gpt chatgpt openai
copilot llm ai ml nlp llama gemini bard anthropic inline interactive interface debugging
debugger debug autocomplete autocompletion linting linter formatter black flake8 mypy pytest
unittest regex ascii unicode utf emoji toc widget dashboard dashboards plugin plugins extension
extensions addon addons template templates theme themes dark light mode toolbar sidebar
menu menus tab tabs cell cells output outputs input inputs terminal console shell bash zsh
powershell cmd stack overflow stackoverflow reddit slack discord teams zoom webex skype meet
hangouts gmail outlook calendar salesforce hubspot zendesk intercom shopify stripe paypal
squarespace wordpress wix mailchimp qualtrics surveymonkey typeform otter rev trint dovetail
nvivo atlas maxqda dedoose quirkos delve airtable smartsheet monday clickup basecamp
apple google microsoft amazon meta facebook instagram whatsapp twitter tiktok youtube linkedin
netflix spotify uber ibm oracle intel nvidia amd adobe photoshop illustrator acrobat
samsung huawei xiaomi sony nintendo xbox playstation steam twitch
ease usability accessibility performance latency workflow workflows pipeline pipelines
"""


def _technology() -> set[str]:
    return set(_TECHNOLOGY.split())


def _not_person() -> set[str]:
    from faker.providers.address.en_GB import Provider as GB
    from faker.providers.address.en_US import Provider as US

    places = set()
    for values in (US.countries, US.states, GB.counties):
        for v in values:
            for part in v.split():
                if _latin(part) and part[0].isupper() and len(part) > 2:
                    places.add(_fold(part))
    return places, set(_NOT_PERSON_EXTRA.split())


def _vocabulary() -> set[str]:
    """Every lower-case word of GoEmotions train, Banking77 train and the words tagged O in
    WNUT-17 train at least twice (never tagged as an entity there)."""
    words: set[str] = set()
    for path, delim in ((SHARED / "goemotions" / "train.tsv", "\t"), (SHARED / "banking77" / "train.csv", ",")):
        if not path.exists():
            raise SystemExit(f"{path} not found: the vocabulary is built from it.")
        with path.open(encoding="utf-8") as fh:
            for row in csv.reader(fh, delimiter=delim):
                for w in re.findall(r"[A-Za-z][a-z']*", row[0]):
                    if w.islower():
                        words.add(w.strip("'"))
    wnut = SHARED / "wnut17" / "train.conll"
    if wnut.exists():
        o_counts: Counter[str] = Counter()
        entity: set[str] = set()
        for line in wnut.read_text("utf-8").splitlines():
            if "\t" not in line:
                continue
            tok, tag = line.split("\t")
            if tag == "O" and tok.isalpha() and tok.islower():
                o_counts[tok] += 1
            elif tag != "O":
                entity.add(tok.lower())
        words |= {w for w, n in o_counts.items() if n >= 2 and w not in entity}
    return {w for w in words if len(w) > 1}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    first = _names("first_name")
    last = _names("last_name")
    common = _common_words()
    # a place that is also a first name (Jordan, Georgia) stays a possible person
    places, hand_written = _not_person()
    not_person = (places - first - last) | hand_written
    lists = (
        ("first_names", first), ("last_names", last), ("common_words", common),
        ("first_names_en", _names("first_name", ENGLISH_LOCALES)),
        ("vocabulary", _vocabulary() | common),
        ("not_person", not_person),
        ("technology", _technology()),
    )
    for name, values in lists:
        (OUT / f"{name}.txt").write_text("\n".join(sorted(values)) + "\n", encoding="utf-8")
        print(f"{name}: {len(values):,}")


if __name__ == "__main__":
    main()
