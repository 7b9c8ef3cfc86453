"""Named features of one sentence: what the claim model weighs.

Every feature is a yes/no a reader can check by looking at the sentence: the cue rules
that fired (:mod:`citeproof.claims.cues`), the sentence's form (question, instruction,
advice, the clinic speaking, empathy, a definition, a heading-like fragment, clinic
logistics) and what its numbers do (assert a share of people or a comparison, or set a
dose or a time). Grammar is guessed from word shapes, not tagged: a part-of-speech
tagger that installs from PyPI with its model inside and runs in the check's time
budget was not found (spaCy's and NLTK's English models are separate downloads).

A sentence is judged clause by clause (``;`` separates clauses), after a *frame* is
peeled off: "Did you know that ...?", "Keep in mind that ...", "As this guide explains,
..." wrap a claim without changing it (:func:`clauses`).
"""

from __future__ import annotations

import itertools
import re

from .cues import CAUSAL, EVIDENCE, GENERALISATION, NUMBERS, cue_matches, lowered, words

# Feature names, in the order of the weights file. "rule:" features are the cue rules.
FEATURES: tuple[str, ...] = (
    f"rule:{NUMBERS}",
    f"rule:{EVIDENCE}",
    f"rule:{CAUSAL}",
    f"rule:{GENERALISATION}",
    "form:framed",
    "form:question",
    "form:imperative",
    "form:imperative-shape",
    "form:advice",
    "form:clinic-voice",
    "form:empathy",
    "form:thanks",
    "form:definition",
    "form:fragment",
    "form:lead-in",
    "form:blank",
    "form:navigation",
    "form:feelings",
    "form:second-person",
    "form:finite-verb",
    "form:short",
    "logistics:time",
    "logistics:day",
    "logistics:place",
    "logistics:phone",
    "quantity:people",
    "quantity:dose-or-timing",
    "quantity:comparison",
)

# --- frames: words around a claim that do not change it ------------------------------

_FRAME = re.compile(
    r"^(?:(?:so|and|but|also|please|now),?\s+)?(?:"
    r"(?:did|do)\s+you\s+know(?:\s+that)?"
    r"|(?:remember|keep\s+in\s+mind|bear\s+in\s+mind|note|be\s+aware|don'?t\s+forget|never\s+forget)(?:\s+that)?"
    r"|(?:it\s+is|it's)\s+(?:important|worth|good|useful|helpful)\s+(?:to\s+)?(?:know|knowing|remember|remembering)(?:\s+that)?"
    r"|(?:we|you)\s+(?:now\s+|all\s+)?know(?:\s+that)?"
    r"|you\s+(?:may|might)\s+(?:have\s+heard|hear|think|believe|read)(?:\s+that)?"
    r"|(?:the\s+)?(?:fact|truth|good\s+news|bad\s+news)\s+is(?:\s+that)?"
    r"|as\s+(?:this|our|the)\s+\w+\s+(?:explains|shows|says|notes|describes|mentioned|explained)"
    r"|(?:thank\s+you|thanks)\b[^,;:.]*"
    r")\s*[,:;—–-]?\s+",
    re.IGNORECASE,
)
# "Remember" or "Note" before a comma or verb is an instruction, not a frame: only
# peel a frame that leaves a clause with a subject and a verb behind (see clauses()).


# where one clause ends and another, asserting on its own, begins
_CLAUSE_BREAK = re.compile(r";|,\s+(?=because\b)")


def clauses(sentence: str) -> list[tuple[str, bool]]:
    """The sentence's clauses (split at ``;``), each with its frame peeled off: (clause, framed)."""
    found: list[tuple[str, bool]] = []
    for raw in _CLAUSE_BREAK.split(sentence):
        part = raw.strip()
        if not part:
            continue
        frame = _FRAME.match(part)
        if frame is not None and len(_WORD.findall(part, frame.end())) >= 3:
            inner = part[frame.end() :]
            if part[:2].lower() == "di" or part[:3].lower() == "do ":  # "Did you know that X?": the question is the frame's
                inner = inner.rstrip().removesuffix("?") + "."
            found.append((inner[:1].upper() + inner[1:], True))
        else:
            found.append((part, False))
    return found or [(sentence.strip(), False)]


# --- form ----------------------------------------------------------------------------

_WORD = re.compile(r"[\w'-]+")
_DETERMINERS = words(
    """the a an your my his her their its our this that these those each every all both some any no
    one two three four five six seven eight nine ten half it them him me us yourself up out down off
    away back in on"""
)
# Base verbs that open instructions in patient materials; a verb missing here is still
# caught by its shape (a verb-like first word, then "the", "a", "your", a number ...).
_IMPERATIVE_VERBS = words(
    """ask avoid bring call check choose clean contact cover do drink eat find follow get give go hold keep
    lie limit make plan put read rest see seek sit sleep start stay stop store take talk tell text throw
    try turn use visit wait walk wash watch wear write"""
    # how medicines and devices are used, as on labels
    """ apply inhale exhale inject swallow chew dissolve insert spray rinse shake measure mix remove place press
    pour spread wipe"""
    # kitchen and home instructions
    """ bake boil cook fill heat offer serve"""
)
_ADVERBS = words("""always never please just simply also then first now gently slowly and so""")
_LEADING_CLAUSE = re.compile(
    r"^(?:if|when|whenever|before|after|while|once|until|unless|as\s+soon\s+as|in\s+case|during|at|each|every"
    r"|to\s+\w+|for\s+\w+)\b[^,]*,\s*",
    re.IGNORECASE,
)
_NEGATIVE_IMPERATIVE = re.compile(r"^(?:do\s+not|don't|never)\s+\w", re.IGNORECASE)
_CLINIC = re.compile(r"^(?:we|our|us|i)\b", re.IGNORECASE)
_THANKS = re.compile(r"^(?:thank\s+you|thanks)\b", re.IGNORECASE)
_ADVICE = re.compile(
    r"^(?:you|we)\s+(?:should|must|need\s+to|have\s+to|ought\s+to|can|could|may\s+want\s+to|might\s+want\s+to)\b"
    r"|^(?:it\s+is|it's)\s+(?:best|a\s+good\s+idea|important|wise|okay|ok|fine|safe)\s+to\b|^try\s+to\b",
    re.IGNORECASE,
)
_EMPATHY = re.compile(
    r"\byou\s+are\s+not\s+alone\b|\b(?:it\s+is|it's)\s+(?:okay|ok|normal|natural|understandable|fine)\s+to\b"
    r"|\bwe\s+understand\b|\byou\s+deserve\b|\bcongratulations\b|\bgreat\s+job\b|\bwell\s+done\b"
    r"|\bbe\s+(?:patient|kind|gentle)\s+with\s+yourself\b|\bdo(?:\s+not|n't)\s+give\s+up\b|\bcourage\b"
    r"|\bglad\s+you\b|\bwe\s+are\s+here\b|\bno\s+(?:right|wrong)\s+way\b|\bnever\s+too\s+late\b"
    r"|\byou\s+are\s+doing\b|\bwelcome\b|\bhard\s+on\s+yourself\b|\bsmall\s+steps\b",
    re.IGNORECASE,
)
_NAVIGATION = re.compile(
    r"\b(?:next|last|previous|back|this|following|other)\s+(?:page|section|sheet|side)\b|\bpage\s+\d|\bbelow\b"
    r"|\bon\s+the\s+back\b|\bturn\s+the\s+page\b"
    # the page speaking about itself: "This handout was written by ...", "Last reviewed on ..."
    r"|\bthis\s+(?:handout|guide|leaflet|booklet|article|website|form)\b|\b(?:written|reviewed|updated|edited)\s+(?:by|on)\b",
    re.IGNORECASE,
)
_FEELINGS = re.compile(
    r"\b(?:scary|scared|stressful|tough|overwhelm\w*|frustrat\w*|nervous|worried|worry|drained|okay|perfect)\b",
    re.IGNORECASE,
)
_DEFINITION = re.compile(
    r"^(?:[\w'-]+\s+){0,5}?(?:means|stands\s+for|refers\s+to|is\s+short\s+for|is\s+the\s+(?:name|term|word)\s+for)\b"
    r"|^(?:an?)\s+[\w-]+(?:\s+[\w-]+)?\s+is\s+an?\b",
    re.IGNORECASE,
)
_FINITE = words("""is are was were can could may might will would does do did has have had must""")
_SUBORDINATORS = words("""if when whenever unless until while before after because since although though once""")
_NOT_VERB_S = ("ss", "us", "is", "'s")
_TIME = re.compile(r"\b\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|\bnoon\b|\bmidnight\b", re.IGNORECASE)
_DAY = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b|\bweekdays\b", re.IGNORECASE)
_PLACE = re.compile(r"\b(?:room|suite|floor|building|lobby|front\s+desk|entrance)\b", re.IGNORECASE)
_PHONE = re.compile(r"\b\d{3}-\d{4}\b|\b1-800\b|\b(?:911|988)\b")
_PEOPLE = re.compile(
    r"\b(?:\d[\d,.]*|one|two|three|four|five)\s+(?:in|out\s+of)\s+(?:\d+|two|three|four|five|six|seven|eight|nine|ten|\w+teen|twenty)\b"
    r"|\d\s*%|\bpercent\b|\bhalf\s+of\b|\bmajority\b|\b(?:hundreds|thousands|millions)\s+of\b"
    r"|\b\d[\d,.]*\s+(?:million\s+)?(?:people|adults|children|americans|women|men|babies|deaths|cases)\b",
    re.IGNORECASE,
)
_DOSE = re.compile(
    r"\b\d[\d./]*\s*(?:-\s*)?(?:mg|ml|micrograms?|grams?|tablets?|capsules?|puffs?|drops?|doses?|vials?|films?|pieces?|patch"
    r"|units?|ounces?|cups?|times|minutes?|hours?|seconds?|counts?|weeks?|days?|inches?)\b"
    r"|\bevery\s+\d+|\b(?:once|twice)\s+(?:a|daily|per)\b|\bspf\s+\d+",
    re.IGNORECASE,
)
_COMPARISON = re.compile(
    r"\b(?:more|less|fewer|higher|lower|greater|better|worse|longer|shorter|faster|slower|easier|harder|stronger"
    r"|weaker|likelier|larger|smaller|earlier|later)\b[^.;]*\bthan\b|\bas\s+\w+\s+as\b|\b(?:twice|double|half)\b",
    re.IGNORECASE,
)
_ENDS = (".", "!", "?", ":")


def _ends(text: str) -> bool:
    """``re.search(r"[.!?:]$", text)`` without the scan: ``$`` also matches before one final newline."""
    return text.endswith(_ENDS) or (text.endswith("\n") and text[:-1].endswith(_ENDS))


_DIGIT = re.compile(r"\d")


class Gated:
    """``pattern.search(text)``, tried only when the lowercased text holds a gate.

    A gate is a substring that every match must contain, or a digit. Most clauses hold
    no gate of most patterns, and a substring test costs far less than a regex search;
    ``tests/test_claim_model.py`` checks that the gates never change an answer.
    """

    def __init__(self, pattern: re.Pattern[str], gates: str, *, digits: bool = False) -> None:
        self.pattern = pattern
        self.gates = tuple(gates.split("|")) if gates else ()
        self.digits = digits

    def search(self, text: str, lower: str, has_digit: bool) -> bool:
        if (self.digits and has_digit) or any(gate in lower for gate in self.gates):
            return self.pattern.search(text) is not None
        return False


_GATED: dict[str, Gated] = {
    "form:empathy": Gated(
        _EMPATHY,
        "alone|ok|normal|natural|understand|fine|deserve|congrat|great job|well done|yourself|give up|courage|glad you"
        "|we are here|way|too late|you are doing|welcome|small steps",
    ),
    "form:navigation": Gated(_NAVIGATION, "page|section|sheet|side|below|back|this|written|reviewed|updated|edited"),
    "form:feelings": Gated(_FEELINGS, "scar|stressful|tough|overwhelm|frustrat|nervous|worr|drained|okay|perfect"),
    "logistics:time": Gated(_TIME, "noon|midnight", digits=True),
    "logistics:day": Gated(_DAY, "day"),
    "logistics:place": Gated(_PLACE, "room|suite|floor|building|lobby|desk|entrance"),
    "logistics:phone": Gated(_PHONE, "", digits=True),
    "quantity:people": Gated(_PEOPLE, "one|two|three|four|five|percent|half|majority|hundreds|thousands|millions", digits=True),
    "quantity:dose-or-timing": Gated(_DOSE, "once|twice", digits=True),
    "quantity:comparison": Gated(_COMPARISON, "than|as|twice|double|half"),
}
_ALL_GATES = tuple(sorted({gate for gated in _GATED.values() for gate in gated.gates}))


# "Pain Relief: It works ...": a label before a colon, as list items often start
_LABEL = re.compile(r"^[A-Z][\w'-]*(?:\s+[\w'-]+){0,2}:\s+(?=\S)")


def _main_clause(clause: str) -> str:
    label = _LABEL.match(clause)
    if label is not None:
        clause = clause[label.end() :]
    lead = _LEADING_CLAUSE.match(clause)
    return clause if lead is None else clause[lead.end() :]


def _verb_s(word: str) -> bool:
    """Looks like a present-tense verb after a singular subject ("raises", "helps")."""
    return len(word) > 3 and word.endswith("s") and not word.endswith(_NOT_VERB_S)


def _imperative(tokens: list[str]) -> tuple[bool, bool]:
    """(opens with a known instruction verb, has an instruction's shape: verb-like word + object)."""
    while len(tokens) > 1 and tokens[0] in _ADVERBS:
        tokens = tokens[1:]
    if not tokens:
        return False, False
    first = tokens[0]
    second = tokens[1] if len(tokens) > 1 else ""
    # "Heat illness can ...": the first words were a subject; but a finite verb inside a clause that
    # follows a subordinator ("Call 911 if you have chest pain") is that clause's own verb
    opening = list(itertools.takewhile(lambda t: t not in _SUBORDINATORS, tokens[1:5]))
    if any(t in _FINITE for t in opening):
        return False, False
    known = first in _IMPERATIVE_VERBS
    verb_like = not first.endswith(("s", "ing", "ed", "ly")) and first not in _DETERMINERS and first not in _FINITE
    shape = verb_like and (second in _DETERMINERS or second[:1].isdigit())
    return known, shape


def _finite(tokens: list[str]) -> bool:
    """A guess at a finite verb after a subject: an auxiliary, or a plain noun followed by a verb-s."""
    if any(t in _FINITE for t in tokens[1:]):
        return True
    for index in range(1, min(len(tokens), 6)):
        word, before = tokens[index], tokens[index - 1]
        if _verb_s(word) and before not in _DETERMINERS:
            return True
    # a plural subject and a base verb: "Vaccines train the ...", "Clouds block ..."
    return len(tokens) > 2 and tokens[0].endswith("s") and tokens[2] in _DETERMINERS


def clause_features(clause: str, framed: bool = False) -> dict[str, float]:
    """The named features of one clause (1.0 each; absent means 0)."""
    text = clause.strip().rstrip("\"')]” ")
    lower = lowered(text)
    has_digit = _DIGIT.search(text) is not None
    found: dict[str, float] = {}
    for rule, _, _ in cue_matches(text, lower):
        found[f"rule:{rule}"] = 1.0
    main = _main_clause(text)
    # lowercasing first is the same for ASCII text (it keeps every character's class), and one call
    tokens = _WORD.findall(main.lower()) if main.isascii() else [t.lower() for t in _WORD.findall(main)]
    known, shape = _imperative(tokens)
    flags = {
        "form:framed": framed,
        "form:question": text.endswith("?"),
        "form:imperative": known or bool(_NEGATIVE_IMPERATIVE.match(main)),
        "form:imperative-shape": shape,
        "form:advice": bool(_ADVICE.match(main)),
        "form:clinic-voice": bool(_CLINIC.match(main)),
        "form:thanks": bool(_THANKS.match(text)),
        "form:definition": bool(_DEFINITION.match(main)),
        "form:fragment": not _ends(text),
        "form:lead-in": text.endswith(":"),
        "form:blank": "__" in text,
        "form:second-person": tokens[:1] in (["you"], ["your"]),
        "form:finite-verb": _finite(tokens),
        "form:short": len(tokens) <= 5,
    }
    found.update((name, 1.0) for name, on in flags.items() if on)
    # every gate substring is looked for once; a pattern runs only where one of its gates is present
    present = {gate for gate in _ALL_GATES if gate in lower}
    for name, gated in _GATED.items():
        gate_open = (gated.digits and has_digit) or not present.isdisjoint(gated.gates)
        if gate_open and gated.pattern.search(text) is not None:
            found[name] = 1.0
    return found


# --- a sentence that needs no full stop ----------------------------------------------

# A list item or a table cell often ends with no full stop, whether it states something
# ("Exercise cuts blood pressure by 5 to 8 mm Hg") or only names something ("Walking
# shoes"). ``form:finite-verb`` cannot tell them apart: it is a loose guess the model
# weighs with the rest, and it takes the plural noun ending a phrase for a verb.
# :func:`states` is the stricter test that decides whether such an item reads as a sentence.
_PREPOSITIONS = words(
    """about above across after against along among around as at before behind below beside between beyond by during except
    for from in inside into like near of off on onto out outside over past per since through to toward towards under until up
    upon via with within without"""
)
_COORDINATORS = words("""and or nor but , & /""")
_RELATIVES = words("""that which who whom whose where""")
_SUBJECTS = words("""i you we they he she""")
_QUESTION_WORDS = words("""what why how when where who which whose""")
_OPENS_QUESTION = _FINITE | words("""should shall""")
# after a plural noun, how often: a schedule ("Eye drops twice a day"), not a verb's object
_HOW_OFTEN = words("""every each daily weekly monthly yearly nightly once twice""")
# after these comes a noun ("the tests", "your drops"), not a verb; but "it", "this" and "one" can be a verb's subject
_BEFORE_NOUN = _DETERMINERS - words("""it this one""")
_FUNCTION = _DETERMINERS | _PREPOSITIONS | _COORDINATORS | _RELATIVES | _SUBJECTS | _FINITE | _HOW_OFTEN
_WORD_OR_MARK = re.compile(r"[\w'-]+|[^\w\s'-]")


def states(clause: str) -> bool:
    """Whether a clause with no end punctuation is a statement: a subject, then a finite verb.

    "Naps cut heart attack risk", "Hearing loss is common" are; "Fresh fruit and
    vegetables", "Foods that are high in salt" (a relative clause inside a noun phrase),
    "Things to do at home", "Is it an allergy" and "Take your medicine" (no subject) are not.
    """
    main = _main_clause(clause.strip())
    # a punctuation mark ends a phrase as "and" does: "(scripts/train.py)", "choices): asthma"
    tokens = [t if _WORD.fullmatch(t) else "," for t in _WORD_OR_MARK.findall(main.lower())]
    if not tokens or tokens[0] in _QUESTION_WORDS or tokens[0] in _OPENS_QUESTION:
        return False  # a question without its mark, or an instruction ("Do not ...")
    inner = False  # the word before was a verb of a clause inside a noun phrase
    for index in range(1, len(tokens)):
        word, before = tokens[index], tokens[index - 1]
        after = tokens[index + 1] if index + 1 < len(tokens) else ""
        # a verb of a clause inside a noun phrase ("Foods that are ...", "Things you can do"), or an infinitive
        inner = word in _FINITE and (inner or before in _RELATIVES or before == "to" or (index > 1 and before in _SUBJECTS))
        if inner or before in _RELATIVES:
            continue
        if word in _FINITE:
            return True
        # a verb has an object or a complement; a plural noun ends its phrase or meets a preposition
        if not after or after in _PREPOSITIONS or after in _COORDINATORS or after in _HOW_OFTEN:
            continue
        if before in _COORDINATORS or before[:1].isdigit():  # "fruit and vegetables", "30 minutes", "(tests)"
            continue
        if after in _SUBJECTS and tokens[index + 2 : index + 3] and tokens[index + 2] in _FINITE:
            continue  # "Snacks you can pack": "you" is a subject, not the object of a verb ("makes you tired")
        if _verb_s(word) and before not in _BEFORE_NOUN:  # "Exercise cuts blood pressure"
            return True
        plain = not word.endswith(("s", "ing", "ed", "ly")) and word not in _FUNCTION and not word[:1].isdigit()
        if plain and _verb_s(before):  # "Naps cut heart attack risk"
            return True
    return False
