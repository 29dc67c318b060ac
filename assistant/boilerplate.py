"""Site boilerplate: the lines a scrape carries from around an article.

Scraped articles come wrapped in their site: legal and cookie notices, ad
labels, share buttons, newsletter prompts, bylines, publisher names, menus of
other articles and author bios. These rules describe those *kinds* of lines in
general; none of them names a site, person or title of any one source.

Each rule looks for the shape of a site line, not for a word alone, so that
article sentences using the same words stay content:

* a byline opens a line and goes on with a name, credentials or a date
  ("By Jane Smith, PT | Updated March 3, 2024"), never with a verb phrase
  ("Published research shows ...", "Updated guidelines recommend ...");
* "sign up" or "subscribe" is a site prompt only together with a newsletter,
  an account, an e-mail address, an inbox or the site itself ("our ...");
* a share row is made of share words alone ("Share | Tweet | Pin | Email");
  "Share your symptoms with your doctor" is advice;
* an author bio has a person as subject and says what that person is, holds
  or writes ("Jane Doe is a freelance health writer"); a sentence that reports
  what an expert advises ("Dr. Patel is a physiotherapist who recommends
  gentle walking") is content the reader may want quoted, and "Yoga is best
  learned from a certified instructor" has no person subject at all;
* a menu is a row of short Title Case items with no lead-in and no "and" or
  "or" before its last item, which is how a sentence listing exercises ends.
"""

from __future__ import annotations

import re

# Boilerplate that scrapes glue onto a neighbouring sentence (with a comma, or
# as a label in front of it); the sentence is kept once the glued part is cut.
# A menu or a bio never hides a sentence, so those are never trimmed.
GLUED_REASONS = frozenset({"legal", "advertising", "social", "byline"})

_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")

# --- Names, credentials and dates (the parts of a byline) --------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_TIME = r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{2,4}\b)?)?"
# A full calendar date: a line that opens with one is a dateline.
_FULL_DATE = (
    rf"(?:{_MONTH}\s+{_DAY},?\s+\d{{4}}|{_DAY}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    rf"|\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}){_TIME}"
)
# After "Updated" or "Published" a month and year, or "3 days ago", will do.
_DATE = rf"(?:{_FULL_DATE}|{_MONTH},?\s+\d{{4}}|\d+\s+(?:minutes?|hours?|days?|weeks?|months?)\s+ago|today|yesterday)"

# Words of a byline that are never part of the name before them.
_BYLINE_WORDS = (
    r"(?:By|On|And|Updated|Published|Posted|Reviewed|Written|Edited|Medically|Clinically|Fact|Last|First|Originally"
    r"|Read|Share|Follow)\b"
)
# A capitalised name word: "Jane", "O'Neil", "McDonald", "Smith-Jones" (not "MD" or "PhD").
_NAME_WORD = rf"(?!{_BYLINE_WORDS})(?!(?i:{_MONTH})\s+\d)[A-Z][A-Za-z]*[a-z](?:[-'\u2019][A-Z]?[A-Za-z]+)*"
_INITIAL = r"[A-Z]\."
_PARTICLE = r"(?:de|del|van|von|der|da|di|la|le|al|bin|ibn)"
_HONORIFIC = r"(?:Dr|Prof|Mr|Mrs|Ms|Mx)\.?"
# A person's name: a title and a name, or two to four name words ("Jane Doe", "Mary J. Smith").
_NAME = (
    rf"(?-i:(?:{_HONORIFIC}\s+(?:{_NAME_WORD}|{_INITIAL})(?:\s+(?:{_NAME_WORD}|{_INITIAL})){{0,2}})"
    rf"|(?:{_NAME_WORD}|{_INITIAL})(?:\s+(?:{_NAME_WORD}|{_INITIAL}|{_PARTICLE})){{0,2}}\s+{_NAME_WORD})"
)
# After "Written by" a single name word is enough ("Written by Maria").
_NAME_OR_WORD = rf"(?:{_NAME}|(?-i:{_NAME_WORD}))"
# Post-nominal letters: MD, DPT, PhD, M.D., PA-C, OTR/L, MSc ...
_CREDENTIAL = (
    r"(?-i:(?:[A-Z][A-Za-z]*[A-Z]|Ph\.?D|Pharm\.?D|[BM]\.?Sc|[A-Z]\.(?:[A-Z]\.)+)(?:[-/][A-Z]+)?\.?)(?![\w'\u2019])"
)
_CREDENTIALS = rf"(?:(?:\s*,\s*|\s+){_CREDENTIAL})*"
_STAFF = r"(?:the\s+)?(?:admin(?:istrator)?|staff|editors?|editorial\s+(?:team|staff|board)|newsroom)\b"

# One piece of a byline; a byline is one or more of them in a row.
_BYLINE_SEGMENT = re.compile(
    r"(?P<role>(?:(?:medically|clinically|expert|peer|fact)[\s-]+)?"
    r"(?:reviewed|checked|written|edited|authored|posted|compiled|reported|illustrated|photographed)"
    rf"\s+by\s*:?\s+(?:{_NAME_OR_WORD}{_CREDENTIALS}|{_STAFF}))"
    rf"|(?P<by>by\s+(?:{_NAME}{_CREDENTIALS}|{_STAFF}))"
    rf"|(?P<label>(?:author|writer|reviewer|editor|written\s+by|reviewed\s+by)\s*:\s*{_NAME_OR_WORD}{_CREDENTIALS})"
    r"|(?P<reviewed>(?:medically|clinically|fact)[\s-]+(?:reviewed|checked)\b)"
    r"|(?P<dated>(?:(?:first|originally|last)\s+)?(?:published|updated|reviewed|modified|edited|posted|revised)"
    rf"(?:\s+(?:on|at))?\s*:?\s*{_DATE})"
    rf"|(?P<date>{_FULL_DATE})"
    r"|(?P<readtime>\d+\s*(?:-\s*)?min(?:ute)?s?\.?\s+read\b|reading\s+time\s*:?\s*\d+\s*min(?:ute)?s?\b)"
    rf"|(?P<name>{_NAME}(?:\s*,\s*{_CREDENTIAL})+)",
    re.IGNORECASE,
)
# Picture credits: "Photo: ...", "Image by ...", stock-photo agencies.
_CREDIT = re.compile(
    r"^\W*(?:(?:photo|image|illustration|video|photograph|graphic)s?(?:\s+credits?)?\s*(?::|\bby\b|\bcourtesy\b)"
    r"|credits?\s*:)|\b(?:getty\s+images|istock(?:photo)?|shutterstock|adobe\s+stock)\b",
    re.IGNORECASE,
)
_SEGMENT_SEPARATOR = re.compile(r"[\s|\u00b7\u2022\u2014\u2013,/-]*")
_LEADING = re.compile(r"[\s\"'\u201c\u2018(\[]*")


def _byline_end(text: str) -> int:
    """Where the byline that opens ``text`` ends (0 when the line does not open with one).

    A name with credentials alone ("Jane Doe, MD") counts only when more of a
    byline follows it or nothing else does: "Jane Doe, MD, recommends ..." is
    a sentence.
    """
    pos = _LEADING.match(text).end()  # type: ignore[union-attr]
    end = 0
    pending_name = False
    while True:
        match = _BYLINE_SEGMENT.match(text, pos)
        if match is None:
            break
        pos = _SEGMENT_SEPARATOR.match(text, match.end()).end()  # type: ignore[union-attr]
        if match.lastgroup == "name":
            pending_name = True
            continue
        pending_name = False
        end = match.end()
    if pending_name and not text[pos:].strip(" .:;"):
        end = len(text.rstrip())
    return end


# --- Legal, cookie and disclaimer lines ---------------------------------------

_DOMAIN = r"\b[\w-]+\.(?:com|org|net|gov|edu|info|health|io|co|uk|au|ca)\b"
_SITE = (
    rf"(?:{_DOMAIN}|\bwe\b"
    r"|\b(?:this|our|the)\s+(?:web\s*)?(?:site|publication|publisher|company|organi[sz]ation)\b)"
)
_LEGAL = re.compile(
    r"registered\s+trademark|\btrademarks?\s+of\b|all\s+rights\s+reserved|\u00a9|\(c\)\s*\d{4}"
    r"|\bcopyright\s*(?:\(c\)\s*)?\d{4}|\bcopyright\s+(?:notice|policy|information|holders?)\b|\bcopyrighted\b"
    r"|^\W*copyright\W*$"
    # Endorsement disclaimers are said by the site, or about its products and services.
    rf"|{_SITE}[^.]{{0,80}}\b(?:do(?:es)?\s+not|don't|doesn't)\s+(?:\w+\s+or\s+)?endorse\b"
    r"|\bendorse\w*\s+(?:any|the)\s+(?:of\s+the\s+)?products?\s+(?:or|and)\s+services?"
    r"|\b(?:does|do)\s+not\s+(?:imply|constitute)\s+(?:an?\s+)?endorsement"
    r"|for\s+(?:general\s+)?(?:educational|informational|information)\s+(?:use|purposes)\s+only"
    r"|substitute\s+for\s+(?:professional\s+)?(?:medical\s+)?(?:advice|diagnosis)"
    r"|not\s+intended\s+to\s+(?:diagnose|treat|cure|prevent|replace|be\s+a\s+substitute)"
    r"|\b(?:does|do)\s+not\s+(?:provide|constitute|offer)\s+(?:medical|professional|legal)\s+advice"
    r"|\bterms\s+(?:of|and)\s+(?:use|service|conditions)\b|\bprivacy\s+(?:policy|notice|statement|settings)\b"
    r"|\bdo\s+not\s+sell\s+my\b|\bad\s*choices\b"
    r"|\baffiliate\s+(?:links?|commissions?|partners?|programs?)\b|\bearns?\s+(?:a\s+|an\s+)?(?:small\s+)?"
    r"(?:affiliate\s+)?commissions?\b|\bas\s+an?\s+\w+\s+associate\b"
    # Editorial and affiliate disclosures.
    r"|\bour\s+(?:editors?|team|writers)\s+independently\b|\bproducts?\s+we\s+(?:love|recommend|feature)\b"
    r"|\bsourcing\s+guidelines\b|\beditorial\s+(?:policy|guidelines|process|standards|independence)\b"
    # Cookie banners.
    r"|\b(?:we|site|website|this\s+page)\s+uses?\s+cookies\b|\bcookies?\s+(?:policy|settings|preferences|consent|notice"
    r"|banner)\b|\b(?:accept|reject|decline|allow|manage|customi[sz]e|necessary|essential)\s+(?:all\s+|only\s+)?"
    r"(?:the\s+)?cookies\b|\buse\s+of\s+cookies\b|^cookies?\W*$"
    r"|^by\s+(?:continuing|using|clicking|browsing|proceeding|accessing|visiting|staying)\b"
    r"|\byou\s+(?:accept|agree\s+to|consent\s+to)\s+(?:our|the)\s+(?:use\s+of|terms|privacy|cookie)",
    re.IGNORECASE,
)

# --- Ads ----------------------------------------------------------------------

_AD_WORDS = (
    r"(?:advertisement|advertising|advert|ads?|sponsored(?:\s+(?:content|post|story|stories|article|links?|listings?))?"
    r"|paid\s+(?:content|post|partnership|promotion)|promoted(?:\s+(?:content|stories|links?|posts?))?"
    r"|partner\s+content|(?:content|more)\s+from\s+our\s+(?:sponsors?|partners?))"
)
_ADVERTISING = re.compile(
    rf"^\W*{_AD_WORDS}\W*$"
    r"|\b(?:story|article|content|text|post)\s+continues\s+(?:below|after)\b|\bcontinue\s+reading\s+(?:below|after)\b"
    r"|\b(?:this|the\s+following)\s+(?:article|post|content|story|page|series)\s+(?:is|was)\s+"
    r"(?:sponsored|paid\s+for|brought\s+to\s+you)\s+by\b"
    r"|^(?:sponsored|presented|brought\s+to\s+you|ads?)\s+by\b|\bskip\s+(?:this\s+|the\s+)?ad\b",
    re.IGNORECASE,
)
# An ad label left in front of the sentence that followed it in the page.
_AD_LABEL = re.compile(
    r"(?-i:ADVERTISEMENT|Advertisement|SPONSORED(?:\s+CONTENT)?|Sponsored(?:\s+content)?)"
    r"[\s:|\u00b7\u2022\u2014\u2013-]+(?=[\"'\u201c\u2018(\[]*[A-Z0-9])"
)

# --- Share buttons, follow links, newsletter prompts --------------------------

_NETWORKS = (
    r"(?:facebook|instagram|twitter|x|pinterest|tiktok|whatsapp|linkedin|youtube|reddit|threads|flipboard|tumblr"
    r"|telegram|snapchat|messenger|social\s+media)"
)
# A row of buttons holds nothing but these words.
_SHARE_ROW_WORDS = frozenset(
    "share shares sharing tweet retweet pin pinit save saved email e-mail mail print copy link bookmark comment "
    "comments like likes follow us on via to this it article post page story recipe video more facebook instagram "
    "twitter x pinterest tiktok whatsapp linkedin youtube reddit threads flipboard tumblr telegram snapchat messenger "
    "sms text watch subscribe".split()
)
_SHARE_ROW_FILLERS = frozenset("us on via to this it article post page story recipe video more".split())
_SHARE_ROW_ACTIONS = _SHARE_ROW_WORDS - _SHARE_ROW_FILLERS
_SOCIAL = re.compile(
    r"\b(?:follow|like|find|join|connect\s+with|chat\s+with|message)\s+(?:us|me)"
    r"(?:\s+(?:on|at|@|today|now|for\s+(?:more|daily|weekly|free|updates|tips))\b|\W*$)"
    rf"|\bfollow\s+(?:her|him|them)\s+on\s+{_NETWORKS}\b"
    rf"|\b(?:share|post|pin|save|tweet|watch|view|see)\s+(?:(?:it|this|this\s+\w+|the\s+\w+)\s+)?(?:on|to|via)\s+{_NETWORKS}\b"
    r"|\bshare\s+(?:this|the)\s+(?:article|post|page|story|recipe|video|link|infographic)\b"
    r"|^(?:tweet|pin|save)\s+(?:this|it|for\s+later)\b"
    rf"|\bboard\b[^.]{{0,80}}\bon\s+{_NETWORKS}\b|^explore\s+[^.]{{0,60}}'s\s+board\b"
    r"|\b(?:click|tap)\s+(?:here|the\s+link\s+below)\b"
    r"|(?:\u2026|\.\.\.)\s*read\s+more\b"
    # "Sign up" and "subscribe" are prompts only with a newsletter, an account, an e-mail or the site itself.
    r"|\b(?:sign(?:ing)?\s+up|subscrib\w*|register|join|opt\s+in)\b[^.]{0,60}?"
    r"\b(?:newsletters?|our|mailing\s+list|e-?mails?|inbox|account)\b"
    r"|\b(?:our|free|weekly|daily|monthly)\s+(?:\w+\s+)?newsletters?\b"
    r"|\b(?:delivered|straight)\s+(?:straight\s+)?to\s+your\s+inbox\b|\benter\s+your\s+e-?mail\b"
    r"|\bthanks?\s+(?:you\s+)?for\s+(?:signing\s+up|subscribing|registering)\b",
    re.IGNORECASE,
)


def _is_share_row(text: str) -> bool:
    """A row of share and follow buttons: "Share | Tweet | Pin | Email", "Share on Facebook"."""
    words = [w.casefold() for w in re.findall(r"[A-Za-z][A-Za-z-]*", text)]
    return bool(words) and all(w in _SHARE_ROW_WORDS for w in words) and any(w in _SHARE_ROW_ACTIONS for w in words)


# --- Publishers and author bios -----------------------------------------------

_COMPANY = re.compile(r"^[A-Z][\w&.,' -]{0,60}\b(?:Ltd|Limited|Inc|LLC|GmbH|Corp|Corporation|plc|Media|Group)\.?$")

_ROLE = (
    r"(?:writer|author|editor|journalist|reporter|contributor|blogger|columnist|instructor|teacher|trainer|coach"
    r"|therapist|physiotherapist|chiropractor|osteopath|nutritionist|dietitian|dietician|specialist|physician"
    r"|doctor|surgeon|nurse|practitioner|pharmacist|psychologist|researcher|scientist|professor|lecturer"
    r"|consultant|founder|co-founder|owner|director|kinesiologist|physiatrist|counsell?or|educator|graduate)s?"
)
_NOT_SUBJECT = (
    r"(?:It|This|That|These|Those|There|Here|What|Which|Who|Your|Our|Their|His|Her|Its|The|A|An|Each|Every|Some"
    r"|Most|Many|All|One|Any|No|Such)\b"
)
# The subject of a bio: a pronoun or a person's name, with credentials ("Jane Doe, MD,").
_BIO_SUBJECT = (
    r"(?:she|he|they"
    rf"|(?-i:(?:{_HONORIFIC}\s+)?(?!{_NOT_SUBJECT}){_NAME_WORD}(?:\s+(?:{_NAME_WORD}|{_INITIAL})){{0,2}})"
    rf"{_CREDENTIALS}\s*,?)"
)
_MODIFIER = r"(?!(?:of|by|for|from|with|to|in|on|at|that|which|who|whose|when|where)\b)[\w'\u2019-]+"
_BIO = re.compile(
    rf"^\W{{0,2}}{_BIO_SUBJECT}\s+(?:"
    # ... is a certified personal trainer / is also a sports dietitian
    rf"(?:is|was|has\s+been)\s+(?:also\s+|currently\s+|now\s+)?(?:a|an|the)\s+(?:{_MODIFIER}\s+){{0,5}}{_ROLE}"
    r"(?![\w'\u2019-])"
    # ... holds a master's degree
    r"|(?:holds|has|earned|received)\s+(?:also\s+)?(?:a|an|her|his|their|two|several)?\s*(?:[\w'\u2019-]+\s+){0,3}"
    r"(?:degrees?|certifications?|certificates?|licen[cs]es?|diplomas?|doctorates?|PhDs?)\b"
    r"|has\s+(?:over\s+|more\s+than\s+)?\d+\s+years\s+of\s+experience\b"
    # ... has written for / writes about
    r"|has\s+(?:written|contributed|been\s+(?:writing|published|featured))\s+(?:for|to|in|about|on)\b"
    r"|writes\s+(?:for|about)\b|(?:lives|is\s+based)\s+in\b)",
    re.IGNORECASE,
)
# What an expert advises is content, whoever the expert is.
_REPORTED_ADVICE = re.compile(
    r"\b(?:recommend(?:s|ed)?|suggest(?:s|ed)?|advis(?:es|ed)|says|said|warn(?:s|ed)|explain(?:s|ed)|notes|noted"
    r"|urges?|caution(?:s|ed)|tells?|told|believes?)\b",
    re.IGNORECASE,
)
_ABOUT_AUTHOR = re.compile(r"^\W*about\s+the\s+(?:authors?|writers?|reviewers?|experts?)\b", re.IGNORECASE)


def _is_bio(text: str) -> bool:
    return bool(_ABOUT_AUTHOR.match(text) or (_BIO.match(text) and not _REPORTED_ADVICE.search(text)))


# --- Menus of links -------------------------------------------------------------

_MENU_LABEL = re.compile(
    r"^\W*(?:related(?:\s+(?:articles?|stories|posts|content|reading|topics?|links?|conditions))?|see\s+also"
    r"|read\s+(?:more|next|this\s+next|also)|also\s+read|up\s+next|more\s+(?:on|from|about|in)\b[^:|]{0,40}"
    r"|more\s+like\s+this|you\s+(?:may|might)\s+also\s+(?:like|enjoy)|recommended(?:\s+for\s+you|\s+reading)?"
    r"|popular(?:\s+(?:now|articles|stories))?|most\s+(?:popular|read|viewed)|trending(?:\s+now)?|further\s+reading"
    r"|keep\s+reading|continue\s+reading|in\s+this\s+article|jump\s+to|table\s+of\s+contents|on\s+this\s+page"
    r"|tags?|filed\s+under|categor(?:y|ies)|topics?)"
    r"\s*(?::|\u00bb|\u203a|>|\||\u2192|$)"
    # Page controls.
    r"|^\W*(?:back\s+to\s+top|skip\s+to\s+(?:main\s+)?content|log\s*in|sign\s+in|leave\s+a\s+(?:comment|reply)"
    r"|comments?\s*\(\d+\)|listen\s+to\s+this\s+(?:article|story|page))\W*$"
    r"|^\W*was\s+this\s+(?:article|page|information)\s+helpful\b",
    re.IGNORECASE,
)
_LINK_ROW_SEPARATOR = re.compile(r"\s*[|\u00bb\u203a\u2022\u00b7]\s*|\s+[>/]\s+")
_LIST_ENDS_WITH_CONJUNCTION = re.compile(r",\s*(?:and|or|&)\s+[^,|]*$", re.IGNORECASE)


def _is_link_row(text: str) -> bool:
    """A breadcrumb or a row of links or buttons: short Title Case items between | > » /.

    Three items at least, or two between pipes ("Yes | No" under "Was this page
    helpful?"): prose never separates words with a pipe.
    """
    items = [item.strip(" .") for item in _LINK_ROW_SEPARATOR.split(text)]
    items = [item for item in items if item]
    if len(items) < (2 if "|" in text else 3):
        return False
    return all(1 <= len(_WORD.findall(item)) <= 6 and (item[0].isupper() or item[0].isdigit()) for item in items)


def _is_navigation(text: str) -> bool:
    """A menu of links: a "Related:" label, a row of links, or many Title Case items between commas or pipes.

    A sentence listing things ("Try these stretches: Child's Pose, Cobra, ... and
    Pelvic Tilt") has a lower-case lead-in or an "and"/"or" before its last item;
    a menu has neither.
    """
    if _MENU_LABEL.match(text) or _is_link_row(text):
        return True
    separators = text.count(",") + text.count("|")
    words = _WORD.findall(text)
    if separators < 4 or len(words) < 10:
        return False
    capitalised = sum(1 for w in words if w[0].isupper())
    if capitalised / len(words) < 0.6:
        return False
    if _LIST_ENDS_WITH_CONJUNCTION.search(text):
        return False
    lead_in = re.split(r"[,|]", text, maxsplit=1)[0]
    if ":" in lead_in:
        lead_words = _WORD.findall(lead_in.split(":", 1)[0])
        if sum(1 for w in lead_words if w[0].islower()) >= 2:
            return False
    return True


# --- Titles and sentences ---------------------------------------------------------

# A page title: "Knee Pain: 7 Causes and Treatments", "Back Pain - causes and relief". Only
# auxiliaries count as verbs here: "causes" or "helps" may as well be nouns in a title.
_HEADLINE = re.compile(r"^\W*[^\s:|\u2013\u2014-]+(?:\s+[^\s:|\u2013\u2014-]+){0,4}\s*(?::|\s[|\u2013\u2014-])\s")
_FINITE_VERB = re.compile(
    r"\b(?:is|are|was|were|be|been|am|can|could|may|might|must|shall|should|will|would|do|does|did|has|have|had"
    r"|[a-z]+n't)\b"
)


def _is_title_like(text: str) -> bool:
    words = _WORD.findall(text)
    # The first word is capitalised in any sentence; look at the longer words after it.
    longer = [w for w in words[1:] if len(w) >= 4]
    capitalised = sum(1 for w in longer if w[0].isupper())
    if capitalised >= 2 and capitalised / len(longer) >= 0.75:
        return True
    headline = _HEADLINE.match(text)
    return bool(headline and not _FINITE_VERB.search(text[headline.end() :]))


def is_heading(text: str) -> bool:
    """A heading or page title of the article: Title Case words with no full stop ("Shin Splints: Causes,
    Exercises and Treatment", "Lower Back Spasms"). It names a topic and says nothing about it."""
    stripped = text.strip()
    if not stripped or stripped[-1] in ".!?;" or len(_WORD.findall(stripped)) > 12:
        return False
    return _is_title_like(stripped)


def _is_real_sentence(text: str) -> bool:
    """Whether text left after a glued byline or label reads as an article sentence, not a page title."""
    if len(_WORD.findall(text)) < 4:
        return False
    if not re.match(r"[\"'\u201c\u2018(\[]*[A-Z0-9]", text):
        return False
    return not _is_title_like(text)


# --- Classification ---------------------------------------------------------------


def boilerplate_reason(text: str) -> str | None:
    """Why a sentence is site boilerplate rather than article content, or None.

    A sentence that only opens with a byline or an ad label is reported as such;
    :func:`trim_boilerplate` then finds the sentence glued after it, if any.
    """
    stripped = text.strip()
    if _LEGAL.search(stripped):
        return "legal"
    if _ADVERTISING.search(stripped) or _AD_LABEL.match(stripped):
        return "advertising"
    if _SOCIAL.search(stripped) or _is_share_row(stripped):
        return "social"
    if _byline_end(stripped) or _CREDIT.search(stripped):
        return "byline"
    if _COMPANY.match(stripped) and len(stripped.split()) <= 6:
        return "publisher"
    if _is_bio(stripped):
        return "author bio"
    if _is_navigation(stripped):
        return "navigation"
    words = _WORD.findall(stripped)
    if stripped[:1].islower() and len(words) < 5:
        # The tail of a sentence cut by the scrape ("diagnosis or treatment.").
        return "fragment"
    if not words:
        return "no words"
    return None


def _glued_prefix_end(text: str) -> int:
    """End of a byline or ad label that opens ``text`` and of the separators after it (0 when none)."""
    end = _byline_end(text)
    if not end:
        label = _AD_LABEL.match(text)
        end = label.end() if label else 0
    if not end:
        return 0
    return _SEGMENT_SEPARATOR.match(text, end).end()  # type: ignore[union-attr]


_CLAUSE_BREAK = re.compile(r"[,;:]\s+(?=[A-Z])")


def trim_boilerplate(text: str) -> tuple[int, int] | None:
    """Offsets within ``text`` of the content left once glued boilerplate is cut, or None.

    Scrapes glue a disclaimer onto the next sentence ("... medical advice, The most
    common causes ..."), and a byline or ad label onto the start of the next line
    ("By Jane Smith, PT | Updated March 3, 2024 Ice can calm ..."). A leading byline
    or label is cut when what follows is a real sentence; when what follows is a
    page title ("Knee Pain: 7 Causes and Treatments") the whole line is boilerplate.
    Then, when a leading or trailing clause is boilerplate and the rest is not,
    the rest is kept. ``text[start:end]`` is the kept content.
    """
    offset = _glued_prefix_end(text)
    if offset and not _is_real_sentence(text[offset:]):
        return None
    cuts = [offset, *(m.end() for m in _CLAUSE_BREAK.finditer(text, offset)), len(text)]
    clauses = [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
    lo, hi = 0, len(clauses)
    while lo < hi and boilerplate_reason(text[clauses[lo][0] : clauses[lo][1]]):
        lo += 1
    while hi > lo and boilerplate_reason(text[clauses[hi - 1][0] : clauses[hi - 1][1]]):
        hi -= 1
    if lo >= hi:
        return None
    start, end = clauses[lo][0], clauses[hi - 1][1]
    piece = text[start:end]
    if boilerplate_reason(piece):
        return None
    # Do not leave a trailing clause separator dangling.
    stripped = piece.rstrip()
    if hi < len(clauses):
        stripped = stripped.rstrip(",;:").rstrip()
    return start, start + len(stripped)
