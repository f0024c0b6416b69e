"""Customer-experience events: phrases that describe a service going wrong or right.

Interviewees often report what happened without naming a feeling: "the box came two days
late", "they charged me for a week I'd skipped", "she sorted it in five minutes". Sentence
embeddings trained on emotional Reddit comments and VADER's word lexicon both read such
sentences as near neutral, although in a customer-experience interview they are clearly
negative or positive moments. :data:`CX_EVENTS` lists such event phrases (our own list and
ratings, on VADER's −4..+4 scale) as regular-expression fragments over lower-cased text.

A phrase preceded by a negation within three words ("it wasn't late", "they didn't charge me")
is flipped and damped by VADER's factor −0.74. The event score of a text is the sum of its
matched ratings (of overlapping matches, the strongest counts), normalised like VADER (``x / sqrt(x² + 15)``), and enters the valence with
its own weight (see :meth:`cxinsight.EmotionTagger.valence`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

_W = r"(?:(?!(?:not|never|no)\b)[\w'’-]+\s+)"  # one filler word, not a negation

#: Customer-experience events: (anchor words, phrase pattern, rating). The pattern is a regular
#: expression over lower-cased text (no capturing groups); it is tried only when the text holds
#: one of the space-separated anchor words (so most texts cost one set intersection). Ratings on
#: VADER's −4..+4 scale. Written and rated by the cxinsight authors.
CX_EVENTS: list[tuple[str, str, float]] = [
    # --- delivery going wrong
    ("late",
     r"(?:days?|hours?|weeks?|day|hour|week)\s+late", -1.8),
    ("late",
     rf"(?:came|arrived|turned up|showed up|was|were|is|are|running|ran|always|got here)\s+{_W}{{0,2}}late", -1.4),
    ("late",
     r"late (?:again|delivery|deliveries|box|order)", -1.5),
    ("arrived arrive came come turned turn showed show delivered",
     r"(?:never|didn't|did not|hasn't|has not|haven't|hadn't|still hasn't|still hadn't)\s+(?:arrived|arrive|came|come|turned up|turn up|showed up|show up|got delivered|been delivered)", -2.2),
    ("turned arrived came showed",
     r"(?:nothing|nobody|no one|no-one)\s+(?:turned up|arrived|came|showed up)", -2.0),
    ("no-show show missing lost",
     r"(?:no[- ]show|went missing|were missing|was missing|is missing|are missing|missing items?|missing ingredients?|half missing|got lost|lost in the post)", -1.6),
    ("wrong incorrect",
     r"(?:wrong|incorrect)\s+(?:item|items|box|order|meal|meals|ingredients?|size|address|day|week|recipe|thing|stuff|one)", -1.6),
    ("wrong",
     r"(?:sent|delivered|gave|charged)\s+(?:me|us)\s+the wrong", -1.6),
    ("damaged smashed crushed squashed dented leaked leaking leaky burst split ripped",
     r"(?:damaged|smashed|crushed|squashed|dented|leaked|leaking|leaky|burst|split open|ripped open)", -1.2),
    ("gone went off out past use-by bruised mushy limp slimy wilted soggy mouldy moldy rotten",
     r"(?:gone off|went off|out of date|past (?:its|the|their) (?:date|best)|use-by|bruised|mushy|limp|slimy|wilted|soggy|mouldy|moldy|rotten)", -1.3),
    ("warm melted defrosted",
     r"(?:warm|melted|defrosted) (?:ice packs?|chicken|meat|fish|by the time)", -1.3),
    ("sat left dumped abandoned",
     r"(?:sat|left|dumped|abandoned)\s+(?:it\s+|them\s+)?(?:on|in|at|outside)\s+(?:the\s+)?(?:doorstep|porch|rain|street|bin|outside)", -1.2),
    ("tracking update updates notification warning heads-up heads confirmation explanation reply response answer",
     r"(?:no|without any|without a) (?:tracking|updates?|notification|warning|heads[- ]up|confirmation|explanation|reply|response|answer)", -1.3),
    # --- money
    ("charged billed debited took taken take takes taking",
     r"(?:charged|billed|debited|took|taken|take|takes|taking)\s+(?:me|us|my|our|the)?\s*(?:money|payment)?\s*(?:twice|again|anyway|regardless|for (?:a|the|an) (?:week|box|order|month)s?)", -1.8),
    ("charged billed debited",
     r"(?:they|it|you)\s+(?:charged|billed|debited)\s+(?:me|us)", -1.4),
    ("double-charged charged overcharged over-charged",
     r"(?:double[- ]charged|charged twice|charged me twice|overcharged|over-charged)", -2.0),
    ("took take taken taking",
     r"(?:took|take|taken|taking) the money", -1.3),
    ("charge charges fee fees cost costs payment payments",
     r"(?:extra|hidden|surprise|unexpected|sneaky)\s+(?:charges?|fees?|costs?|payments?)", -1.8),
    ("up",
     r"(?:price|prices|cost|it)\s+(?:went|goes|has gone|have gone|keeps going|kept going|gone)\s+up", -1.5),
    ("rise rises increase increases hike hikes up",
     r"(?:price|prices) (?:rise|rises|increase|increases|hike|hikes|went up)|(?:put|putting) (?:the|their|its) prices? up|went up again", -1.5),
    ("expensive pricey dear afford stretch",
     r"(?:too expensive|too pricey|too dear|(?:can't|cannot|couldn't|could not) afford|a stretch)", -1.5),
    ("waste nothing worth",
     r"(?:waste of (?:money|time|food)|money for nothing|not worth (?:it|the money))", -2.0),
    # --- cancelling, contacting, waiting
    ("cancel cancelling pause skip unsubscribe log login sign find get reach change stop leave talk speak",
     rf"(?:couldn't|could not|can't|cannot|unable to|no way to|impossible to|wouldn't let me|won't let me|didn't let me|doesn't let (?:me|you)|never found (?:a|the|how to))\s+{_W}{{0,2}}(?:cancel|cancelling|pause|skip|unsubscribe|log in|login|sign in|find|get through|reach|change|stop|leave|talk to|speak to|get hold)", -1.9),
    ("hold queue",
     r"(?:on hold|in a queue|in the queue)", -1.3),
    ("waiting hanging hold dark",
     r"(?:kept|keep|keeps|left)\s+(?:me|us)?\s*(?:waiting|hanging|on hold|in the dark)", -1.8),
    ("waited waiting wait",
     rf"(?:waited|waiting|wait)\s+(?:for\s+)?(?:ages|hours|forever|days|weeks|{_W}(?:hours|days|weeks|minutes))", -1.5),
    ("got called rang replied answered told explained responded",
     r"(?:nobody|no one|no-one|never)\s+(?:got back|called back|rang back|replied|answered|told me|told us|explained|responded)", -1.6),
    ("get hear",
     r"(?:didn't|did not|never)\s+(?:get|hear)\s+back", -1.6),
    ("chase ring call phone email complain explain start go",
     r"(?:had to|have to|having to)\s+(?:chase|ring|call|phone|email|complain|explain|start again|go through)", -1.1),
    ("circles square passed transferred",
     r"(?:round in circles|going round in circles|back to square one|passed (?:around|from pillar to post)|transferred (?:again|\w+ times))", -1.6),
    ("gave give giving",
     r"(?:gave up|give up|giving up)", -1.3),
    # --- app and website
    ("crashed crashes crashing froze freezes frozen logged logging log timed times",
     r"(?:crashed|crashes|crashing|keeps crashing|froze|freezes|frozen|logged (?:me|us) out|logging (?:me|us) out|log (?:me|us) out|timed out|times out)", -1.5),
    ("work working load loading save saving confirm go",
     r"(?:didn't|did not|doesn't|does not|wasn't|isn't|won't|wouldn't|stopped|not)\s+(?:work|working|load|loading|save|saving|confirm|go through)", -1.5),
    ("error something bug buggy broken dead",
     r"(?:error (?:message|page|code)|something went wrong|bug|buggy|broken link|dead link)", -1.3),
    ("still wiser",
     r"(?:still (?:didn't|did not|hadn't|hasn't|wasn't|no)|none the wiser)", -1.0),
    # --- travel and service failures stated as facts ("flight delayed 3 hours", "still no refund")
    ("delayed delay delays",
     r"(?:delayed|delays?)", -1.6),
    ("cancelled canceled cancellation cancellations",
     r"(?:cancelled|canceled|cancellations?)(?!\s+(?:my|the|our)\s+(?:subscription|membership|account|order)\s+(?:easily|quickly|fine))", -1.6),
    ("stuck stranded trapped",
     r"(?:stuck|stranded|trapped)", -1.6),
    ("missed miss",
     r"(?:missed|miss)\s+(?:my|our|the|a)\s+(?:connection|connecting|flight|train|bus|meeting|appointment)", -1.8),
    ("lost losing lose",
     r"(?:lost|losing|lose)\s+(?:my|our|the|a|his|her|their|all)\b", -1.6),
    ("lost",
     r"(?:bags?|luggage|baggage|suitcase|parcel|package|order|item|booking|reservation|card)\s+(?:was|were|got|has been|have been|is|are)\s+lost", -1.6),
    ("broken broke dead died dying flat",
     r"(?:was|is|were|are|came|arrived|went|got|already|completely|totally)\s+(?:\w+\s+)?(?:broken|broke|dead)\b(?!\s+(?:easy|simple|good|on))|(?:battery|phone|bike|car|scooter|app|screen|charger)\s+(?:was |is |had |has )?(?:died|dead|flat)", -1.6),
    ("hold",
     r"hold\s+(?:for|time)", -1.4),
    ("no reply response answer help update callback",
     r"(?:no|without|zero|still no|never got a|never got any)\s+(?:reply|replies|response|responses|answer|answers|help|update|updates|callback|call back|explanation|information|info)", -1.6),
    ("still",
     r"still\s+(?:waiting|no|nothing|haven't|hasn't|not|don't|doesn't|can't|cannot|unable|stuck|on hold|trying|without)", -1.6),
    ("refund refunds compensation",
     r"(?:no|still no|never got (?:a|my|the)|waiting (?:for|on) (?:a|my|the)|where is my|want (?:a|my)|demand (?:a|my)|get (?:a|my))\s+(?:refund|refunds|compensation)", -1.6),
    ("hours hrs minutes mins",
     r"(?:\d+|two|three|four|five|six|several|many|multiple)\s+(?:hours?|hrs?|minutes|mins)\s+(?:late|delay|delayed|on hold|wait|waiting|later|on the tarmac|in line|in the queue|sitting)", -1.4),
    ("line lines queue queues",
     r"(?:long|huge|massive|endless)\s+(?:line|lines|queue|queues)", -1.4),
    ("overbooked oversold bumped",
     r"(?:overbooked|oversold|bumped)", -1.6),
    ("diverted rerouted",
     r"(?:diverted|rerouted)", -1.2),
    ("nobody one",
     r"(?:nobody|no one|no-one)\s+(?:answers|answered|picks up|picked up|is answering|will help|helped|cares|knows|knew|could tell|can tell|is helping|at the)", -1.6),
    ("answer answering respond responding reply replying pick responded replied answered",
     r"(?:not|\w*n't|never)\s+(?:\w+\s+)?(?:answer|answering|answered|respond|responding|responded|reply|replying|replied|pick up|picking up|picked up)", -1.5),
    ("can't cant cannot couldn't couldnt unable able won't wouldn't",
     r"(?:can't|cant|cannot|couldn't|couldnt|unable to|not able to|won't let (?:me|us)|wouldn't let (?:me|us))\s+(?!(?:wait|believe|complain|thank|recommend|ask|fault|beat|say enough|get enough|stop (?:smiling|laughing)|be happier|have asked|speak highly|praise)\b)(?:\w+)", -1.4),
    ("still",
     r"still\s+(?:sitting|sat|at|on (?:the|a|hold)|in (?:the|line)|says|say|shows|showing|here|there|stuck|delayed|late|missing|broken|charging|charged|nothing|no one|nobody)", -1.5),
    ("been sat sitting waited waiting queuing queueing queued stuck standing held hold line",
     r"(?:been|sat|sitting|waited|waiting|queuing|queueing|queued|stuck|standing|held|on hold|in line|in the queue)\s+(?:\w+\s+){0,3}?(?:for\s+)?(?:over\s+|almost\s+|nearly\s+|more than\s+|about\s+)?(?:an?|\d+\+?|two|three|four|five|six|ten|several|many)\s*(?:hrs?|hours?|mins?|minutes|days|weeks)", -1.6),
    ("times",
     r"(?:called|tried|rang|phoned|emailed|asked|chased|contacted|messaged|tweeted)\s+(?:\w+\s+){0,4}?(?:\d+|three|four|five|six|several|multiple|many) times", -1.5),
    ("received receive got get",
     r"(?:not|\w*n't|never|still not|yet to)\s+(?:\w+\s+)?(?:received|receive|got|get) (?:my|our|a|the|any)", -1.5),
    ("inform informed tell told notify notified warn warned",
     r"(?:not|\w*n't|never|without)\s+(?:\w+\s+)?(?:inform|informed|informing|tell|told|telling|notify|notified|notifying|warn|warned|warning)", -1.4),
    ("without",
     r"(?:days?|nights?|hours?|weeks?)\s+without\s+(?:my|our|a|any|clothes|luggage|bags?|power|food|water|help)", -1.4),
    ("charge charged fee fees",
     r"(?:charged|charge)\s+(?:me|us)?\s*(?:\$|£|€)?\d+|(?:change|baggage|bag|extra|cancellation)\s+fees?", -1.2),
    ("rude unprofessional",
     r"(?:rude|unprofessional)", -1.8),
    ("hung hangs hanging disconnected dropped drop",
     r"(?:hung up on|hangs up on|hanging up on|(?:got |was |were |call )?disconnected|dropped (?:the|my|our) call|calls? (?:keep |keeps |seem to )?drop)", -1.6),
    ("avail",
     r"(?:to no avail|of no avail)", -1.6),
    ("run ran",
     r"(?:run|ran|running) out of", -1.2),
    ("missing",
     r"missing (?:bags?|luggage|baggage|suitcases?|items?|parcels?|packages?|pieces?)", -1.6),
    ("make made",
     r"(?:did not|didn't|never|won't|will not) (?:make|made) it", -1.5),
    ("calling called",
     r"(?:not|never|stopped|no one|nobody)\s+(?:calling|called) (?:me |us )?back", -1.6),
    ("spoke spoken talked",
     r"(?:spoke|spoken|talked) to (?:no one|nobody|no-one)", -1.6),
    ("long",
     r"(?:took|takes|taking|taken)\s+(?:so+|too|far too|way too|forever and a day|ages and)\s+long", -1.4),
    # --- going right
    ("time early said promised",
     rf"(?:arrived|came|turned up|showed up|delivered|was there|got here|comes|arrives)\s+{_W}{{0,2}}(?:on time|early|when they said|as promised)", 1.6),
    ("time dot schedule late",
     r"(?:right on time|bang on time|on the dot|ahead of schedule|always on time|never late|never been late)", 1.8),
    ("sorted fixed resolved put",
     r"(?:sorted (?:it|it out|everything|me out|us out|that out|the problem|the issue)|fixed (?:it|the problem|the issue|everything)|resolved (?:it|the problem|the issue)|put it right)", 1.7),
    ("refunded refund credit voucher money credited",
     r"(?:refunded (?:me|us|the|it|my|our|straight|in full)|(?:gave|give|given|got) (?:me |us )?(?:a |my |our |the )?(?:full )?(?:refund|credit|voucher|money back)|money back|full refund|credited (?:me|us|my|our))", 1.4),
    ("apologised apologized sorry",
     r"(?:apologi[sz]ed|said sorry|were really sorry|was really sorry)", 0.8),
    ("saved saves saving",
     r"(?:saved (?:me|us)|saves (?:me|us)|saving (?:me|us))", 1.6),
    ("way beyond backwards helpful nothing",
     r"(?:went out of (?:their|her|his|its) way|above and beyond|bent over backwards|couldn't have been more helpful|nothing was too much)", 2.4),
    ("got straight right same next",
     r"(?:got back to (?:me|us) (?:straight away|quickly|the same day|within|right away|immediately)|straight away|right away|same day|next day)", 0.9),
    ("works worked",
     r"(?:just works|worked (?:first time|perfectly|fine|a treat)|works (?:perfectly|fine|a treat|really well))", 1.4),
    ("minutes seconds clicks taps",
     r"(?:took|takes|only took|only takes)\s+(?:about\s+)?(?:two|three|five|ten|a few|a couple of|\d+)\s+(?:minutes|seconds|clicks|taps)", 1.0),
    ("kept let texted told",
     r"(?:kept (?:me|us) (?:updated|informed|posted)|let (?:me|us) know|texted (?:me|us) (?:when|before)|told (?:me|us) exactly)", 1.2),
    ("quick quickly speedy prompt fuss quibble questions hassle-free hassle painless",
     r"(?:quick|quickly|speedy|prompt|no fuss|no quibble|no questions asked|hassle[- ]free|painless)", 1.1),
    ("click clicks seconds minutes",
     r"(?:one click|a few clicks|in seconds|in minutes|in two minutes|in five minutes)", 1.0),
]

_NEGATORS = frozenset({
    "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "without", "hardly",
    "barely", "cannot", "isn't", "wasn't", "weren't", "aren't", "didn't", "doesn't", "don't",
    "hasn't", "haven't", "hadn't", "won't", "wouldn't", "couldn't", "can't", "shouldn't",
})
_N_SCALAR = -0.74


_SPLIT = str.maketrans({c: " " for c in '!"#$%&()*+,./:;<=>?@[\\]^_`{|}~'})


class EventScorer:
    """Find :data:`CX_EVENTS` phrases in texts and sum their ratings.

    Parameters
    ----------
    events : sequence of (str, str, float), optional
        ``(anchor words, pattern, rating)`` triples; default :data:`CX_EVENTS`. A pattern is a
        regular expression over lower-cased text without capturing groups (use ``(?:...)``),
        tried only when one of its space-separated anchor words is in the text.
    """

    def __init__(self, events: Sequence[tuple[str, str, float]] | None = None) -> None:
        events = list(CX_EVENTS if events is None else events)
        self.patterns: list[tuple[re.Pattern, float]] = []
        self.anchors: dict[str, list[int]] = {}
        for k, entry in enumerate(events):
            if len(entry) != 3:
                raise ValueError(
                    f"event {k} is {entry!r}; give (anchor words, pattern, rating), e.g. "
                    "('late', r'days? late', -1.8)."
                )
            words, pattern, rating = entry
            try:
                compiled = re.compile(rf"\b(?:{pattern})\b")
            except re.error as err:
                raise ValueError(f"event {k}: pattern {pattern!r} is not a valid regular expression: {err}") from None
            self.patterns.append((compiled, float(rating)))
            for word in str(words).lower().split():
                self.anchors.setdefault(word, []).append(k)
        self._anchor_set = frozenset(self.anchors)

    def raw(self, lowered: str) -> float:
        """Sum of the ratings of the events in one lower-cased text (negation applied).

        Where two events overlap, only the one with the strongest rating counts, so "came two
        days late" is counted once, as "days late".
        """
        words = lowered.translate(_SPLIT).split()
        if self._anchor_set.isdisjoint(words):
            return 0.0
        found = self._anchor_set.intersection(words)
        ids = sorted({k for w in found for k in self.anchors[w]})
        spans: list[tuple[int, int, float]] = []
        for k in ids:
            pattern, rating = self.patterns[k]
            for m in pattern.finditer(lowered):
                spans.append((m.start(), m.end(), rating))
        if not spans:
            return 0.0
        # overlapping events count once: the strongest rating wins, then the longer phrase
        spans.sort(key=lambda s: (-abs(s[2]), s[0] - s[1], s[0]))
        taken: list[tuple[int, int]] = []
        total = 0.0
        for start, stop, rating in spans:
            if any(start < b and a < stop for a, b in taken):
                continue
            taken.append((start, stop))
            before = lowered[max(0, start - 40):start].split()[-3:]
            if any(w.strip(".,;:!?\"'") in _NEGATORS for w in before):
                rating *= _N_SCALAR
            total += rating
        return total

    def score(self, text: str) -> float:
        """Event score of one text in [−1, 1] (``x / sqrt(x² + 15)`` of :meth:`raw`)."""
        lowered = text.lower()
        if not lowered.isascii():
            lowered = lowered.replace("’", "'")
        x = self.raw(lowered)
        return x / math.sqrt(x * x + 15) if x else 0.0


@lru_cache(maxsize=1)
def _default_scorer() -> EventScorer:
    return EventScorer()


def event_valence(texts: Iterable[str], events: Sequence[tuple[str, str, float]] | None = None) -> np.ndarray:
    """Return the customer-experience event score of each text, in [−1, 1].

    Parameters
    ----------
    texts : iterable of str
    events : sequence of (str, str, float), optional
        Your own ``(anchor words, pattern, rating)`` events instead of :data:`CX_EVENTS`.

    Examples
    --------
    >>> event_valence(["The box came two days late.", "She sorted it straight away."])  # doctest: +SKIP
    array([-0.42,  0.55])
    """
    scorer = _default_scorer() if events is None else EventScorer(events)
    return np.fromiter((scorer.score(str(t)) for t in texts), dtype=np.float64)
