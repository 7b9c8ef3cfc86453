"""Pure text rules: which words make a sentence a claim that needs a source.

No pandoc, no panflute: ``classify_text`` takes the plain text of one unit (a
paragraph, list item, cell or footnote, citations already removed) and returns the
rules that fired, each quoting the words that triggered it.

The rules are tuned to miss as little as possible (a missed uncited claim is worse
than a false alarm), so the design is "everything declarative about health is a
claim, except what is plainly not an assertion": questions, instructions to the
reader, navigation and site text, marked definitions and list lead-ins.
``tests/test_claim_rules.py`` measures recall and specificity on a labelled set.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

# Reported rule names, most serious first; a unit's finding is named after the first.
UNATTRIBUTED_QUOTATION = "unattributed-quotation"
QUOTATION = "quotation"
NUMBERS = "numbers"
EVIDENCE = "evidence-language"
CAUSAL = "causal-risk"
GENERALISATION = "generalisation"
FACTUAL = "factual-statement"
RULES: tuple[str, ...] = (UNATTRIBUTED_QUOTATION, QUOTATION, NUMBERS, EVIDENCE, CAUSAL, GENERALISATION, FACTUAL)
_RANK = {name: i for i, name in enumerate(RULES)}

_EXCERPT = 80  # characters of context quoted in a finding


@dataclass(frozen=True)
class RuleHit:
    """One rule that fired: ``words`` is the quoted context, ``trigger`` the exact match."""

    rule: str
    words: str
    trigger: str = ""


# --- cue words ------------------------------------------------------------------
def _words(text: str) -> frozenset[str]:
    """A word list written as one string, so long lists stay readable."""
    return frozenset(text.split())


# One alternation per rule, joined into one pattern so a unit is scanned once
# (the benchmark budget is a fraction of pandoc's own parse time).

_NUMWORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
    r"|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
    r"|hundred|thousand|million|billion|half|a\s+third|a\s+quarter|a\s+dozen|dozen)"
)
_UNIT = (
    r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?|times?|doses?|tablets?"
    r"|pills?|drinks?|units?|cigarettes?|cups?|glasses?|servings?|portions?|people|persons?|adults?"
    r"|children|kids|teens|teenagers|women|men|patients|users|cases|deaths|americans|percent|per\s+cent"
    r"|mg|milligrams?|grams?|ml|millilit(?:re|er)s?|lit(?:re|er)s?|kilos?|kilograms?|pounds?|steps)"
)
_NUMBERS = (
    # digits, except where they are part of a name (omega-3, COVID-19, type 2 diabetes)
    r"(?<![\w-])(?<!type\s)\d+(?:[.,]\d+)*s?(?:\s*(?:%|percent|per\s+cent))?"
    rf"|\b{_NUMWORD}(?:\s+(?:to|or|and|in|of|-)\s+{_NUMWORD})?\s+(?:\w+\s+)?{_UNIT}\b"
    rf"|\bone\s+in\s+(?:{_NUMWORD}|\d+)\b"
    r"|\b(?:hundreds|thousands|millions|dozens)\s+of\b"
    r"|\b(?:a|an|one)\s+(?:hour|day|week|month|year)\s+or\s+two\b"
    r"|\b(?:several|a\s+few|few)\s+(?:seconds|minutes|hours|days|weeks|months|years|decades)\b"
    r"|\bfor\s+(?:hours|days|weeks|months|years|decades)\b"
    r"|\bthe\s+(?:sixties|seventies|eighties|nineties)\b"
)
_EVIDENCE = (
    r"\bresearch(?:ers)?\s+(?:\w+\s+)?(?:shows?|showed|suggests?|highlights?|has\s+shown|have\s+shown"
    r"|indicates?|finds?|found|confirms?|proves?|demonstrates?|reveals?|points?\s+to)\b"
    r"|\bstud(?:y|ies)\b|\btrials?\b|\bmeta-analys[ie]s\b|\bsystematic\s+reviews?\b"
    r"|\bdata\s+(?:\w+\s+){0,3}?(?:shows?|showed|suggests?|indicates?|reveals?|confirms?)\b|\bdata\s+from\b"
    r"|\baccording\s+to\b|\bexperts?\b|\bscientists?\b|\bresearchers?\b|\bspecialists\s+(?:say|agree)\b"
    r"|\b(?:clinical\s+)?(?:imaging|scans?|tests?)\s+(?:shows?|showed|reveals?|revealed)\b"
    r"|\bstatistics\b|\bevidence\b|\bsurveys?\b"
    r"|\b(?:reports?|reviews?|findings)\s+(?:shows?|suggests?|found|finds?|indicates?)\b"
    r"|\b(?:it\s+is|it's)\s+(?:well[-\s])?(?:known|established|proven|documented)\b"
    r"|\b(?:has|have)\s+been\s+(?:shown|proven|found)\b|\bproven\b|\bscientifically\b"
    r"|\b(?:doctors|physicians|clinicians|officials|authorities|guidelines|agencies|nurses)\s+(?:\w+\s+)?"
    r"(?:say|agree|recommend|warn|advise|report|note|describe|believe)\b"
    r"|\bguidelines\b"
)
_CAUSAL = (
    r"\b(?:increases?|raises?|lowers?|reduces?|cuts?|doubles?|triples?|decreases?|halves)\s+(?:your\s+|the\s+|their\s+)?"
    r"(?:risk|chance|odds|likelihood)s?\b"
    r"|\b(?:high|higher|low|lower|greater|increased|reduced|elevated|big|bigger|major)\s+(?:\w+\s+)?risks?\b"
    r"|\brisks?\s+of\b|\bcaus(?:e|es|ed|ing)\b|\b(?:leads?|led|leading)\s+to\b"
    r"|\b(?:linked|associated|tied|connected|related)\s+(?:to|with)\b"
    r"|\btrigger(?:s|ed|ing)?\b|\bblock(?:s|ed|ing)\b|\btreat(?:s|ed|ing)?\b"
    r"|\b(?:boost|drive|hijack|damage|harm|worsen|improve|prevent|protect|cure|heal|kill|weaken"
    r"|strengthen|relieve|ease|raise|lower|reduce|increase|decrease|affect|shorten|lengthen|slow|speed)"
    r"(?:s|es|ed|d|ing)?\b(?!\s+(?:factors?|dose|back))"
    r"|\bdriv(?:er|ers|en|ing)\b|\bspeeds?\s+up\b|\bslows?\s+down\b"
    r"|\b(?:is|are|was|were|be|been|being)\s+(?:\w+\s+)?(?:effective|safe|unsafe|dangerous|addictive|toxic"
    r"|harmful|beneficial|protective|contagious|infectious|deadly|fatal)\b"
    r"|\bworks?\s+(?:as|by|for|against|to)\b|\bhelps\s+\w+"
    r"|\bhelp\s+(?:to\s+)?(?:reduce|prevent|treat|manage|lower|control|relieve|protect|keep|people|you|the\s+body)\b"
    r"|\bresults?\s+in\b|\bcontributes?\s+to\b|\bresponsible\s+for\b|\bbecause\s+of\b|\bdue\s+to\b"
    r"|\b(?:more|less)\s+likely\b|\blikelier\b"
)
_GENERALISATION = (
    r"\balmost\s+(?:always|never|all|every)\b|\bnearly\s+(?:always|all|every)\b"
    r"|\b(?:the\s+)?vast\s+majority\b|\bmajority\b|\bin\s+general\b|\bsome\s+people\b"
    r"|\b(?:often|usually|most|mostly|many|always|commonly|common|typically|generally|frequently|rarely"
    r"|seldom|largely|widely|routinely|everyone|everybody|nobody)\b|\btends?\s+to\b"
)
_CUES = re.compile(
    rf"(?P<numbers>{_NUMBERS})|(?P<evidence>{_EVIDENCE})|(?P<causal>{_CAUSAL})|(?P<general>{_GENERALISATION})",
    re.IGNORECASE,
)
_GROUP_RULE = {"numbers": NUMBERS, "evidence": EVIDENCE, "causal": CAUSAL, "general": GENERALISATION}

# The first word of every branch of _CUES. Trying the big pattern only where a unit
# has one of these words is ~10x faster than letting the regex try every character;
# tests/test_claim_rules.py checks it finds exactly what a full scan finds.
_ANCHOR_WORDS = _words(
    """a an in it is are was were be been being the for few half one two three four five six seven eight nine
    ten eleven twelve twenty thirty forty fifty sixty seventy eighty ninety led due big cut cuts"""
)
_ANCHOR_STEMS = tuple(
    sorted(
        _words(
            """research stud trial meta systematic data accord expert scientis specialist clinical imaging scan test
            statistic evidence survey report review finding has have proven scientific doctor physician
            clinician official authorit guideline agenc nurse increas rais lower reduc doubl tripl decreas halve
            high low great elevat major risk caus lead link associat tied connect relat trigger block treat
            boost driv hijack damag harm worsen improv prevent protect cur heal kill weaken strengthen reliev
            eas affect shorten lengthen slow speed work help result contribut responsible because more less
            likel almost nearly vast majority some often usual most many always common typical general
            frequent rare seldom larg wide routine every nobody tend several hundred thousand million billion
            dozen thirteen fourteen fifteen sixteen seventeen eighteen nineteen"""
        )
    )
)
_TOKEN = re.compile(r"\w+")


def _cue_matches(text: str) -> list[re.Match[str]]:
    """Matches of _CUES in ``text``, tried only at anchor words (same result as ``finditer``)."""
    found: list[re.Match[str]] = []
    end = 0
    lower = text.lower()
    for token in _TOKEN.finditer(lower):
        start = token.start()
        if start < end:
            continue
        word = token.group()
        if word[0].isdigit() or word in _ANCHOR_WORDS or word.startswith(_ANCHOR_STEMS):
            match = _CUES.match(text, start)
            if match:
                found.append(match)
                end = match.end()
    return found


# Word stems that put a sentence in the health domain; used only by the fallback rule.
_HEALTH_STEMS = tuple(
    sorted(
        _words(
            """health medic clinic doctor nurse hospital patient disease illness disorder syndrome symptom
    condition infect virus viral bacteri germ vaccin immun drug medicine medication pill tablet dos
    substance alcohol nicotine tobacco smok vap caffeine opioid cannabis anesthe anaesthe analges sedat
    addict dependen withdraw toleran overdos abuse misuse brain heart blood liver kidney bladder lung
    skin bone muscle joint nerve body bodies organ cell hormone insulin sugar glucose cholesterol
    vitamin mineral protein diet nutri calor fat weight obes sleep fatigue tired pain ache fever cough
    rash nausea vomit dizz headache migraine anxi depress stress mood mental psych memory cognit emotion
    pleasure euphori hallucinat pregnan bab infant child cancer tumo diabet asthma allerg stroke
    pressure pulse breath surg therap treatment recover relapse rehab detox tremor incontinen inflamm
    swell wound injur fracture exercis physical fitness hydrat urin stool bowel gut digest stomach teeth
    tooth dental gum eye vision hearing neuro dopamine serotonin glutamate receptor synap dissociat
    appetite hygiene epidem pandemic mortality death dying fatal lethal toxi poison chronic acute
    diagnos prognos screening disab veterinar sex uric acid crystal concuss gout cirrhosis sun
    ultraviolet tick bite flu cold"""
        )
    )
)

# --- what is not an assertion ---------------------------------------------------


# Sentence-initial verbs that make an instruction to the reader ("Talk to your doctor").
_IMPERATIVE_VERBS = _words(
    """talk call seek take keep ask book do don't dont never make bring try write drink please tell
    remember let contact find sign share consider start stop avoid check see read learn visit use go
    get follow eat limit wash wear choose speak reach text click download join be store look watch
    note plan record discuss stay put give wait make protect tap scroll explore subscribe register
    print save skip discover compare continue"""
)
_ADVERB_PREFIX = _words("""always never please just simply also then first now so and""")
# Words after a sentence-initial verb that show it is really a noun ("Use of", "Exercise is").
_NOT_IMPERATIVE_NEXT = _words(
    """of is are was were can may might could will would should has have had does helps causes makes
    leads tends"""
)
# A leading subordinate clause to look past before checking for an imperative.
_LEADING_CLAUSE = re.compile(
    r"^(?:if|when|whenever|before|after|while|once|until|unless|as\s+soon\s+as|in\s+case|to\s+\w+|for\s+\w+"
    r"|with\s+that\s+in\s+mind|in\s+the\s+meantime|meanwhile|otherwise|instead|finally|first|next)\b[^,:]*,\s*",
    re.IGNORECASE,
)
# Advice phrased as a statement about the reader: an instruction, not a claim.
_ADVICE = re.compile(
    r"^(?:you|we)\s+(?:should|must|need\s+to|can\s+(?:also\s+)?(?:call|text|ask|talk|speak|contact|visit|book|read"
    r"|learn|find|use|get\s+help|do|try|see)|could\s+(?:also\s+)?(?:ask|try|call))\b"
    r"|\bgood\s+(?:idea|person|place|time)\s+to\b|\bthings\s+you\s+can\s+do\b|\bit\s+is\s+(?:a\s+good\s+idea|best)\s+to\b",
    re.IGNORECASE,
)
# Page furniture, navigation, bylines, disclaimers, marked definitions.
_META = re.compile(
    r"\bthis\s+(?:article|page|guide|section|leaflet|website|site|post|video|booklet|factsheet)\b"
    r"|\bin\s+this\s+(?:article|guide|page|section|leaflet)\b|\b(?:next|following|previous|last)\s+sections?\b"
    r"|\bthe\s+following\s+(?:sections?|pages?|questions?|tips?)\b|\b(?:see|listed|shown|table)\s+below\b|^below\b"
    r"|\bread\s+on\b|\bback\s+to\s+top\b|\bskip\s+to\b|\bsee\s+also\b|^related\s+\w+$|^next:|^previous:"
    r"|\b(?:last\s+)?(?:reviewed|updated|written|edited)\s+(?:by|on|in)\b|\blast\s+(?:reviewed|updated)\b"
    r"|\breview\s+due\b|\bnewsletter\b|\bthank\s+you\b|\blet(?:'|’)s\b|\blet\s+us\b"
    r"|^(?:here\s+(?:is|are)|here's)\b|^(?:definition|glossary|key\s+terms?|terms?|abbreviations?)\s*:"
    r"|\bwe\s+use\s+the\s+(?:term|word|phrase)\b|\bstands\s+for\b|\bmeans\s+(?:that\s+)?(?:taking|using|having|a|an|the)\b(?=.*\bin\s+this\b)"
    r"|\bwe\s+(?:explain|answer|look\s+at|cover|discuss|describe|explore|outline)\b",
    re.IGNORECASE,
)
# A lead-in whose clause is about the reader's options ("To lower your risk, you can:").
_ADVISORY_LEAD_IN = re.compile(
    r"(?:\b(?:you|we)\s+(?:can|could|should|might|may)(?:\s+also)?(?:\s+\w+)?|\bit\s+(?:can|may|might)\s+help(?:\s+to)?"
    r"|\btry(?:\s+to|\s+these)?)\s*:$",
    re.IGNORECASE,
)
_META_WORDS = _words(
    """this in next following previous last the see listed shown table below read back skip related
    reviewed updated written edited review newsletter thank let let's let’s here here's here’s definition
    glossary key term terms abbreviation abbreviations we stands means"""
)
_ADVICE_WORDS = _words("you we good things best")
_FINITE = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|can|could|may|might|will|would|should|must|does|do|did)\b"
    r"|\b\w{3,}(?:es|ed)\b",
    re.IGNORECASE,
)

# --- sentences and quotations ---------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?]+[”\"’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = _words("""dr mr mrs ms prof st vs etc e.g i.e no approx fig u.s u.k""")
_QUOTES = re.compile(r"“(?P<a>[^”]{3,}?)”|\"(?P<b>[^\"]{3,}?)\"|(?:(?<=^)|(?<=[\s(\[—–-]))[‘'](?P<c>[^’']{3,}?)[’'](?!\w)")
_NAME = re.compile(
    r"\b(?:Dr|Prof|Professor|Mr|Mrs|Ms|Sir|Dame)\.?\s+[A-Z]|\b[A-Z][a-z]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z]+"
    r"|\b[A-Z]{2,}\b"
)
_NAME_STOP = _words(
    """as the a an one in on at for from to and but or if when while this that these those it its
    public many some most according during after before by with our your their his her said says"""
)
_WORD = re.compile(r"[\w’'-]+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text``; abbreviations do not end one."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start() + 1].rsplit(None, 1)[-1].rstrip(".").lower()
        if before in _ABBREVIATIONS:
            continue
        spans.append((start, match.end()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _imperative(sentence: str) -> bool:
    """An instruction to the reader: starts (after a leading clause) with a base verb."""
    main = _LEADING_CLAUSE.sub("", sentence, count=1)
    words = [w.lower() for w in _WORD.findall(main)[:3]]
    while words and words[0] in _ADVERB_PREFIX and len(words) > 1:
        words = words[1:]
    if not words or words[0] not in _IMPERATIVE_VERBS:
        return False
    return not (len(words) > 1 and words[1] in _NOT_IMPERATIVE_NEXT)


def _non_assertion(sentence: str, strong: bool) -> bool:
    """True when the sentence asks, instructs, navigates or introduces a list.

    ``strong`` says whether a cue other than a generalisation fired in it; a list
    lead-in with one ("Persistent misuse often leads to ...:") still asserts.
    """
    text = sentence.strip().rstrip("”\"’')] ")
    if text.endswith("?"):
        return True
    tokens = set(_TOKEN.findall(text.lower()))
    # both patterns are costly to scan; every branch of each needs one of these words
    if tokens & _META_WORDS and _META.search(text):
        return True
    if tokens & _ADVICE_WORDS and _ADVICE.search(_LEADING_CLAUSE.sub("", text, count=1)):
        return True
    if _imperative(text):
        return True
    if text.endswith(":"):
        return not strong or bool(_ADVISORY_LEAD_IN.search(text))
    return False


_FIRST_WORDS = re.compile(r"^\s*(?:\S+\s+){0,2}\S+")


def _excerpt(text: str, start: int, end: int) -> str:
    """The sentence up to the end of the trigger (at least three words), within ``_EXCERPT`` characters."""
    opening = _FIRST_WORDS.match(text)
    end = max(end, opening.end() if opening else 0)
    head = text[:end] if end <= _EXCERPT else "... " + text[max(0, end - _EXCERPT) : end].split(" ", 1)[-1]
    tail = text[end:].strip().rstrip(".")
    return f"{head.strip()} ..." if tail else head.strip()


def _shorten(text: str, limit: int = _EXCERPT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _attributed(text: str, start: int, end: int) -> bool:
    """A named speaker (a person or an organisation) near the quotation, outside it."""
    window = text[max(0, start - 120) : start] + " " + text[end : end + 120]
    return any(match.group(0).split()[0].lower() not in _NAME_STOP for match in _NAME.finditer(window))


def _quotations(text: str, sentences: list[tuple[int, int]], skipped: set[int]) -> list[RuleHit]:
    starts = [s for s, _ in sentences]
    hits: list[RuleHit] = []
    for match in _QUOTES.finditer(text):
        inner = match.group("a") or match.group("b") or match.group("c") or ""
        if len(inner.split()) < 3:  # scare quotes and quoted terms ("trance-like") are not quotations
            continue
        if bisect_right(starts, match.start()) - 1 in skipped:
            continue
        rule = QUOTATION if _attributed(text, match.start(), match.end()) else UNATTRIBUTED_QUOTATION
        hits.append(RuleHit(rule, _shorten(match.group(0)), match.group(0)))
    return hits


def classify_text(text: str) -> list[RuleHit]:
    """Rules that make ``text`` a claim, most serious first; empty when it asserts nothing."""
    text = " ".join(text.split())
    if not text:
        return []
    sentences = split_sentences(text)
    starts = [s for s, _ in sentences]
    cues: list[list[tuple[str, int, int]]] = [[] for _ in sentences]
    for match in _cue_matches(text):
        group = match.lastgroup or ""
        index = bisect_right(starts, match.start()) - 1
        cues[index].append((_GROUP_RULE[group], match.start(), match.end()))

    hits: list[RuleHit] = []
    skipped: set[int] = set()
    for index, (start, end) in enumerate(sentences):
        sentence = text[start:end]
        found = cues[index]
        strong = any(rule != GENERALISATION for rule, _, _ in found)
        if _non_assertion(sentence, strong):
            skipped.add(index)
            continue
        seen: set[str] = set()
        for rule, s, e in found:
            if rule not in seen:  # the first trigger of each rule per sentence is enough to quote
                seen.add(rule)
                hits.append(RuleHit(rule, _excerpt(sentence, s - start, e - start), text[s:e]))
        if not seen and _factual(sentence):
            words = sentence.split()
            hits.append(RuleHit(FACTUAL, " ".join(words[:8]) + (" ..." if len(words) > 8 else ""), ""))
    hits.extend(_quotations(text, sentences, skipped))
    hits.sort(key=lambda hit: _RANK[hit.rule])  # stable: document order within a rule
    return hits


def _factual(sentence: str) -> bool:
    """Fallback: a declarative health sentence with no cue word is still a claim."""
    words = len(sentence.split())
    if words < 4:
        return False
    health = any(token.startswith(_HEALTH_STEMS) for token in _TOKEN.findall(sentence.lower()))
    return health or (words >= 8 and bool(_FINITE.search(sentence)))
