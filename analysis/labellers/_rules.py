"""The `rules` labeller: fast, deterministic, transparent.

It reads a turn the way LABELLING_GUIDE.md (and docs/labelling-hard-cases.md) does:

1. Strip what is content written *for* the user rather than said *to* them: code, quoted
   strings, block quotes, drafted emails and dialogues, FAQ headings and quiz lists.
2. Split the rest into sentences, remembering paragraph and position.
3. Give each sentence one role from lexicons and patterns: a question of some kind
   (clarification, understanding check, follow-up offer, rhetorical), a request, a safety
   decline, an epistemic decline, a pointer to a source, support (hotlines), a social
   formula, or plain content.
4. Acts come from the roles (acknowledgment only from the opening), repair and assumption
   disclosure from their own lexicons; the stance from the guide's precedence, using how
   much plain content the turn delivers.

Every decision is a regular expression or a word count a reader can check; the module
imports nothing beyond the standard library and the shared vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.labellers._protocol import LABELLERS
from scenarios import Act, Stance, TurnLabel

# ---------------------------------------------------------------------------------------
# 1. Content written for the user (removed before reading the assistant's own voice)
# ---------------------------------------------------------------------------------------
_CODE_BLOCK = re.compile(r"```.*?(```|\Z)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_QUOTED = re.compile(r"\"[^\"\n]{2,}\"|“[^”\n]{2,}”")
_BLOCKQUOTE = re.compile(r"^\s*>.*$", re.M)
_RULE_SECTION = re.compile(r"^-{3,}\s*$.*?(^-{3,}\s*$|\Z)", re.S | re.M)
_LETTER = re.compile(
    r"^(dear |subject:|hi (all|team|everyone|[A-Z][a-z]+),|hello [A-Z][a-z]+,).*?"
    r"(^(best|kind|warm)? ?(regards|wishes|best|sincerely|cheers|thanks|thank you)\b.*?$\n?.*?$|"
    r"(?=\n\s*\n\s*(did|do|does|would|want|should|shall|let me know|i |i'|feel free|if you|is this|how does|hope|"
    r"here|want)\b)|\Z)",
    re.S | re.M | re.I,
)
_DIALOGUE_LINE = re.compile(r"^[ \t]*\*{0,2}([A-Z][A-Za-z .']{0,23}):\*{0,2}[ \t]+\S.*$", re.M)
_BOLD_QUESTION_LINE = re.compile(r"^\s*\*\*[^*\n]+\?\*\*\s*$", re.M)
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_HERE_INTRO = re.compile(r"\bhere (are|is|'s)\b|\bhere'?s\b", re.I)

# ---------------------------------------------------------------------------------------
# Sentence splitting
# ---------------------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]*_]*\s+(?=\S)")
_ABBREVIATION_END = re.compile(r"\b(dr|mr|mrs|ms|st|vs|e\.g|i\.e|etc|approx|no)\.$", re.I)
#: Cheap gate: a sentence without any of these cannot be a decline of either kind.
_NEGISH = re.compile(r"n't|\bno|\bnot\b|cannot|unable|unknow|impossible|cut-?off|matter of|rather|skip|decline|never")
_MD_PREFIX = re.compile(r"^[\s>#*_\-•]+|^\s*\d+[.)]\s*")
_WORD = re.compile(r"[a-z0-9][a-z0-9']*")
_SIZE_TOKEN = re.compile(r"⟦(\d+)⟧")

# ---------------------------------------------------------------------------------------
# 2. Question and request kinds
# ---------------------------------------------------------------------------------------
_YOU = re.compile(r"\b(you|your|you're|you'd|you've|you'll|yours|yourself|u)\b")
_OFFER = re.compile(
    r"^(would you like|do you want|want me to|want (a|an|some|more|to|me)\b|shall i|should i|would it help|"
    r"would that help|would this help|does (that|this|it) (help|make sense|work|sound|match|fit)|"
    r"did (that|this|it) help|does any of (these|this|that)|do any of (these|those)|how does (that|this) sound|"
    r"is there anything else|anything else|is there (another|something else)|is there something|"
    r"can i help|how can i help|what can i (do|help)|what else|how else|"
    r"how are you|how about you|how('s| is) (your|it going)|how (are|is|do|does|did) .{0,30}\bfeel|"
    r"how (are|were) you feeling|how have you been|what's (on your mind|up|new)|"
    r"what would you like (to|me to)|what (are|shall) we (working|doing)|"
    r"(any|got any) (fun |big )?plans|doing anything|what are you (most )?(excited|looking forward|up to)|"
    r"when do you start|(would|could) you be willing|want to talk|do you want to talk|would you like to talk|"
    r"(i|perhaps i|maybe i) could .*|did you already|have you (already )?(tried|considered|thought|had a chance)|"
    r"need (any )?(more|other|further) help|(can|could) you tell me (a bit )?(more )?about (what|how) (you|you're|has|is|happened)|"
    r"(can|could) you tell me what's (happening|going on|been)|what('s| is| has been) (going on|happening|making you|been going)|"
    r"what have you been|what did you (think|enjoy)|how long (has|have) (it|this|you)|"
    r"(is there )?(anything|a particular \w+|any part|something) (you're|you are) (worried|nervous|anxious|excited|unsure)|"
    r"anything (else )?(i|we) can)"
)
_FEELING = re.compile(
    r"\b(feel|feeling|felt|worried|worry|excited|nervous|going on|brought this on|happened|want to leave|"
    r"been listening|been up to|been feeling|doing lately|cope|coping)\b"
)
_RHETORICAL_OPEN = re.compile(
    r"^(why (does|is|do|would) (this|that|it) (matter|important|work)|sound (complicated|hard|scary|difficult|familiar)|"
    r"what could go wrong|what's the catch|the (result|answer|catch)|who knows|guess what|why not|"
    r"what does (this|that) mean|how (hard|bad) can it be|the best part|what do you call|why did the|"
    r"what did the .{1,20} say|knock,? knock)\b"
)
_OPENER = re.compile(
    r"^((sure|ok|okay|of course|absolutely|certainly|great|got it|alright|perfect|understood|sorry|also|and|oh|ah)"
    r"( thing)?[,!.]?\s+)+"
)
#: How a writer answers their own question ("Sound hard? It isn't."): marks it rhetorical.
_SELF_ANSWER = re.compile(
    r"^(because|it isn't|it's not|it is not|not (really|much|at all)|nope|no[,.!]|yes[,.!]|nothing|none|very little|"
    r"simple|simply|short answer|the answer|in short|turns out|surprisingly|often|usually|mostly|hardly|rarely|never|"
    r"always|absolutely|definitely|of course|plenty|a lot|more than you|less than you)\b"
)
_SUGGESTION = re.compile(r"^(how|what) about\s+(?!you\b)\S+\s+\S+")
_CHECK_OPEN = re.compile(
    r"^(so,? |okay,? so |ok,? so )?(just )?(to (confirm|check|double-check|be clear|be sure|make sure)|"
    r"just so i('m| am)|let me make sure|if i understand|if i('ve| have) got (this|that|it) right|"
    r"so you('re| are| want| need| mean| would| 'd|'d)|so (that's|that is|it's)|you mean|do you mean|did you mean|"
    r"are you (referring|asking|saying|talking)|you('re| are) (looking|asking|saying|referring|staying|planning|"
    r"hoping|trying|using|aiming|making)|you (want|need|'d like|would like|mean)|that would be|"
    r"when you say|by .{1,30} you mean|is that (the|a|for|your)|so,? (two|one|three|four|the|a|\d))"
)
_CHECK_TAIL = re.compile(
    r"(,|;|\s)\s*(right|correct|yes|is that right|is that correct|am i right|does that sound right|"
    r"is that what you mean|have i got that right)\?\s*$|\bis that (right|correct)\?\s*$"
)
_ALTERNATIVES = re.compile(r"\bor\b|\b(which|what|how|where|when|who)\b")
_CONDITIONAL = re.compile(r"^(if|once|when|whenever|should|feel free|in case)\b")
_REQUEST = re.compile(
    r"^(please |kindly |also,? |and |then |first,? )*(paste|share|send|upload|attach|describe|specify|provide|"
    r"clarify|tell me|give me|let me know|list|include|post)\b"
    r"|^(please )?(can|could|would) you (please )?(paste|share|send|upload|give|tell|describe|clarify|specify|provide|"
    r"let me know|confirm|say|explain what)\b"
)
_REQUEST_NOT = re.compile(r"^(please |also )?let me know if\b|^(please )?(tell me|let me know) (if|whether) (you need|there's|you have any)")

# ---------------------------------------------------------------------------------------
# 3. Declines
# ---------------------------------------------------------------------------------------
_NEG_MODAL = (
    r"(i|we)( can't| cannot| can not| won't| will not|('m| am) not (able|going|willing) to|('m| am) unable to|"
    r"('d| would) rather not|('m| am) not (comfortable|okay)|( do not|( don't)) feel comfortable| must decline|"
    r"('ll| will) skip| shouldn't| should not| don't think i should)"
)
_EPISTEMIC_VERB = (
    r"(know|predict|see|access|check|browse|look (it )?up|open|read|view|find out|tell (for sure|what|which|who|when|"
    r"whether|if|you (what|which|who|when|whether|if|the current|today|for sure|how many|how much|exactly))|say (for sure|"
    r"which|what|who|exactly)|be sure|be certain|determine|remember|recall|confirm|verify|guarantee|reliably)"
)
_SAFETY_DECLINE = re.compile(
    rf"\b{_NEG_MODAL} (really |even |just |actually |in good conscience )?(?!{_EPISTEMIC_VERB}\b)"
    r"([a-z']+ ){0,3}?(help|assist|provid|giv|writ|creat|mak|generat|shar|discuss|describ|explain|produc|"
    r"support|engag|participat|invent|rank|list|teach|walk|recommend|fulfil|comply|includ|sign|offer|"
    r"disclos|reveal|identif|draft|compos|do (that|this|it)|go (there|into)|tell you how|detail|encourag|"
    r"facilitat|condon|promot|pretend|impersonat|forg|fake|build|cod|program|answer (that|this)|"
    r"synthesi[sz]|send|post|find|locat|track|spy|hack|diagnos|prescrib|advis|access (someone|other|another|his|her|their))\w*\b"
)
_SAFETY_EXCEPT = re.compile(
    r"\b(can't|cannot) (stress|emphasi[sz]e|recommend|say|thank|wait|believe|imagine|overstate)\b.{0,40}\benough\b"
    r"|\bwon't bore\b|\bcan't help (but|feeling|thinking)\b|\b(can't|cannot) wait\b|\bwon't (regret|be disappointed)\b"
)
_FLAT_NO = re.compile(r"^(absolutely not|definitely not|no way)[.!]?$")
_SAFETY_REASON = re.compile(
    r"\b(illegal|unlawful|against the law|crime|criminal|unethical|harm|harmful|harming|hurt|dangerous|unsafe|"
    r"policy|policies|guidelines|terms of service|privacy|private|consent|permission|deceptive|dishonest|"
    r"fraud|forg|malicious|abuse|violat|inappropriate|safety|weapon|cheat|plagiari|harass|stalk|"
    r"unauthori[sz]ed|academic (dishonesty|integrity)|defamation|discriminat|stereotype|violence|violent|"
    r"minor|misleading|misuse|could be used|risk)"
)
_ABSTAIN = re.compile(
    r"\b(i (don't|do not) (know|have (any )?(access|information|data|real-time|current|live|reliable|browsing|"
    r"any (way|information|data|memory))|have a (clock|way))|"
    r"i('m| am) not (sure|certain|aware)|i have no (way|access|information|data|record|memory|idea)|"
    r"i( can't| cannot| can not|('m| am) not able to|('m| am) unable to) "
    rf"(really |reliably |actually )?{_EPISTEMIC_VERB}|"
    r"(no one|nobody|no-one|anyone|neither can anyone)( else)? (can|could|knows|will know|would know|really knows)|"
    r"(no one|nobody) outside|(impossible|not possible|no way) (to|of) (know|predict|say|tell|knowing)|"
    r"(can't|cannot) be (known|predicted)|(that's|that is|it's|it is) (unknowable|not knowable|impossible to know)|"
    r"unknowable|there('s| is) no (reliable |public |official |written |surviving )?(record|way (to|of) know)|"
    r"(isn't|is not|wasn't|was not|were never|was never) (recorded|known)|no record of|"
    r"we (simply |just )?(don't|do not) (know|have)|my (knowledge|training|data) (has a cutoff|only goes|cutoff|"
    r"cut-off|isn't live|is not live)|knowledge cut-?off|"
    r"(isn't|is not|not) something (i|anyone|anybody) can (answer|know)|(i|we) can't know|"
    r"there isn't an objectively|no objective (standard|answer|way)|(it's|it is) a matter of (taste|opinion|personal)|"
    r"can('t|not) name one|no one measures|not reliable more than|don't think anyone knows|"
    r"(no|any) (way|means) of knowing|i have no way)"
)
_ABSTAIN_EXCEPT = re.compile(r"\bi don't know about you\b|\bi('m| am) not (a|an) (lawyer|doctor|expert)")
_COMMIT = re.compile(
    r",? but (as far as i know|i (think|believe|'d guess|would guess)|my best guess|it'?s (probably|likely|roughly|"
    r"about|around|usually|typically)|(an? |the )?(typical|average|adult|usual)|people tend|here's|generally|"
    r"typically|most)|\bmy best (guess|estimate)\b|\bi('d| would) (guess|estimate)\b"
)
_POINTER = re.compile(
    r"\b(will (show|have|list|tell)|(shows|lists|has|have) (it|the|them|today|current|up-to-the|yesterday)|"
    r"(is|are) the (best|right|place)|check (your|the|their|a)|you can (check|find|look|search|call|ask|request|see)|"
    r"(app|website|site|portal|statement|page|profile|listing|channels?|office|service)\b.{0,40}\b(show|has|have|list|will)|"
    r"a quick (call|search)|search (for|by)|look (it )?up|contact (your|the)|ask (your|the|hr)|go to|visit|"
    r"places to (start|look)|(is|are) (your )?best (clues?|guide|bet|snapshot)|announce|track(s|er)?|"
    r"(apps?|sites?) like|or a quick)\b"
)
_OFFER_STATEMENT = re.compile(
    r"\b(i (could|can) (also )?(help|suggest|write|draft|give|explain|share|walk|show|make|offer)|"
    r"if you('d| would) like,? i|i('d| would) be (glad|happy) to|i('m| am) (happy|glad) to help|"
    r"let me know if|feel free to|i('m| am) here (if|whenever|for)|happy to help (further|more|anytime))"
)
_PIVOT = re.compile(
    r"\b(here('s| is| are)|what i can|i can (tell|share|help with|give|offer|explain)|on the (general|second|other) "
    r"(question|part|point)|the (second|other|harmless|safe) part|, though\b|though:|instead|luckily|"
    r"the (lawful|legal|legitimate|safe|safer|usual|honest|right) (way|route|options?|approach)|"
    r"(safer|legitimate|lawful|legal) (options|alternatives?|ways?|route)|these (are|work|tend)|tips:|"
    r"what you can (do|realistically)|how to (spot|protect|stay|get|find|handle)|(is|are) something i|"
    r"happy to help with|(safety|important|useful) (facts|information|things)|if you('re| are) asking (about|because|for)|"
    r"(some|a few|other|several) (options|ways|ideas|alternatives|tips|things|steps)|"
    r"for (your own|a|the|anyone)\b.{0,40}[,:]|what (helps|works|can help)|here's how|that (can|may) help)"
)
_SUPPORT = re.compile(
    r"\b(988|hotline|helpline|crisis|samaritans|emergency (services|number|room)|call 911|911|poison control|"
    r"(please )?(reach out|talk|speak) to (someone|a|your|an)|you (don't|do not) have to (go through|handle|face)|"
    r"you('re| are) not alone|you deserve|you matter|please (stay safe|consult|see|seek|contact)|"
    r"(a |your )?(doctor|pharmacist|professional|counsel+or|therapist|lawyer|locksmith|teacher|advisor|adult)"
    r"\b.{0,40}\b(can|could|would|is|are) (help|the right|the way|best)|if (you're|you are|someone is) (in|having|"
    r"thinking|worried|struggling|feeling)|stay safe|(\d-)?\d{3}-\d{3}-\d{4})"
)

# ---------------------------------------------------------------------------------------
# 4. Acts from lexicons
# ---------------------------------------------------------------------------------------
_INTERJECTION = re.compile(r"^((oh|aw+|wow|ooh+|yay|haha+|ha|hah|great|hey|well|yes)[,!. ]+)+")
_ACK_OPEN = re.compile(
    r"^(got it|gotcha|ok|okay|alright|all right|i see|ah|aha|understood|noted|right|oh no|"
    r"thanks for (clarifying|the (details|detail|info|information|context|update|correction|clarification)|letting me know|"
    r"sharing|explaining|pointing|catching|telling me)|thank you for (clarifying|the (details|info|information|context|update|"
    r"correction)|letting me know|sharing|explaining|pointing|catching|telling me)|"
    r"good (catch|question|point|call|idea|thinking|news)|great (question|point|idea|catch|goal|news|choice|call)|"
    r"nice (project|work|one|idea|catch|choice|goal)|fun|exciting|how exciting|how fun|how lovely|"
    r"that (makes|make) sense|makes sense|fair enough|fair point|sounds (good|great|like a plan|fun|lovely)|"
    r"sounds like (a |an )?(fun|great|good|lovely|plan|exciting|tough|hard|lot|big)|"
    r"you('re| are) (absolutely |totally |quite )?(right|correct)|yes,? (my (mistake|error|bad)|you('re| are) right)|"
    r"(i'm |i am |so |really )?glad|congratulations|congrats|happy (birthday|to hear)|"
    r"no need to apologi[sz]e|no worries|no problem,? (that|it) (makes|helps)|"
    r"(i'm|i am) (so |really |very |truly )?sorry (you|to hear|for your|that you|about your)|"
    r"that (sounds|must be|seems) (really |so |incredibly |very )?(hard|tough|exhausting|difficult|stressful|frustrating|"
    r"painful|overwhelming|awful|scary|lonely|rough|exciting|fun|great|amazing|wonderful|lovely)|"
    r"(what|such) a (lovely|great|fun|wonderful|nice|sweet|cool|brilliant|beautiful|thoughtful) |"
    r"love (this|that|the|it|your)|"
    r"that's (so |really |very |completely |totally |such )?(great|wonderful|fantastic|amazing|awesome|exciting|huge|"
    r"a big (decision|step|deal)|big news|normal|common|tiring|hard|tough|rough|awful|frustrating|exhausting|scary|"
    r"stressful|sweet|lovely|a great|an exciting|great to hear|good to hear|wonderful news|fantastic news)|"
    r"perfect|excellent|nice work|well done|good call|good thinking)\b"
)
#: A whole turn that is only a receipt token is a backchannel: acknowledgment (MRDA `b`).
_BACKCHANNEL_ONLY = re.compile(
    r"^(yeah|yea|yep|yup|uh-huh|uh huh|mm-hmm|mm hmm|mhm|mm|hmm|right|okay|ok|i see|oh|oh okay|oh i see|wow|really|"
    r"cool|nice|great|exactly|true|indeed|gotcha|got it|sure|alright|all right)([ ,.!?]+(yeah|okay|ok|right|i see|"
    r"sure|yep))*[ .!?]*$"
)
#: The user is talking about their own feelings or troubles: questions about them are follow-ups.
_EMOTIONAL_CONTEXT = re.compile(
    r"\bmy \w+ (died|passed away|left me|broke up with me)\b|"
    r"\b(i|i'm|i am|i've|i have|i feel|i felt|i was)\b.{0,40}\b(sad|depress|anxious|anxiety|stress|lonely|upset|"
    r"hurt|cry|crying|worried|scared|afraid|angry|grief|griev|lost my|broke up|break ?up|died|passed away|overwhelm|"
    r"exhaust|struggl|hard time|fired|laid off|divorce|hopeless|miserable|heartbroken|panic|can't sleep|insomnia)"
)
_ACK_NOT = re.compile(
    r"^(ok(ay)?|right|perfect|excellent|alright|oh) (for|to|so that|when|if|size|here's the)\b|^right (now|away)|^oh,? (and|by)\b"
)
_REPAIR_OWN = re.compile(
    r"\b(i (misread|misspoke|misunderstood|misheard|mixed (up|them up)|transposed|confused|swapped|got (that|it|this) wrong|"
    r"was wrong|made (a|an) (mistake|error|typo))|i had (it|that|the .{1,30}|them) (wrong|swapped|backwards|mixed up)|"
    r"my (mistake|error|bad)|i gave you the wrong|here's the corrected|corrected (query|version|code|formula)|"
    r"not the .{1,30} i gave|sorry for the (confusion|mix-up|error))\b"
)
_REPAIR_PREMISE = re.compile(
    r"\b(myth|misconception|a small correction|common mistake|(isn't|is not|wasn't|was not|not) (true|correct|accurate)|"
    r"not supported by (the )?evidence|never happened|contrary to|not (actually )?(the case|visible)|"
    r"actually,? (not|no)|(there's|there is) no need to|close,? but|almost!|"
    r"there'?s no (evidence|such))\b|(n't|\bnot|\bno) actually\b"
)
_PRESUPPOSING = re.compile(r"^(why|how come)\b|\b(since|given that|considering|now that|when it|because)\b|\bright\?$")
_PERSONAL_NEGATION = re.compile(r"\b(i|you|we)( \w+)? (can't|cannot|don't|do not|won't|will not|am not|'m not|didn't|need not)\b")
_NEGATION = re.compile(r"n't\b|\b(not|never|no longer)\b")
_STOP = frozenset(
    ["the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "from", "by", "about", "as", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "have", "has", "had", "it", "its", "this", "that", "these", "those", "there", "their", "they", "them", "he", "she", "his", "her", "you", "your", "we", "our", "i", "my", "me", "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "can", "could", "would", "should", "will", "shall", "may", "might", "must", "not", "no", "so", "than", "then", "too", "very", "just", "also", "really", "actually", "much", "many", "more", "most", "some", "any", "all", "each", "every", "other", "into", "over", "under", "again", "only", "own", "same", "such", "both", "few", "like", "get", "got", "make", "made"]
)
#: Substrings one of which every match of the pattern above/below contains: a cheap gate
#: (`in` is a C-level scan) before the full regular expression runs.
_REPAIR_OWN_KEYS = ("mis", "wrong", "mixed", "transposed", "confused", "swapped", "my mistake", "my error", "my bad",
                    "corrected", "i gave", "sorry for the", "made a", "made an", "backwards")
_REPAIR_PREMISE_KEYS = ("myth", "misconception", "correction", "mistake", "true", "correct", "accurate", "evidence",
                        "never happened", "contrary", "the case", "visible", "actually", "no need", "close", "almost",
                        "no such")
_ASSUME_KEYS = ("assum", "guess", "go with", "gone with", "went with", "default", "didn't", "without knowing", "take it",
                "take that", "presumably", "going by", "taken", "treat")
_ASKED_ONLY = re.compile(
    r"^(is|are|was|were|do|does|did|can|could|will|would|has|have|should|is it true)\b(?!.*\b(why|since|how come)\b)"
)
_ASSUME = re.compile(
    r"\b(assuming|i('ll| will) assume|i('ve| have) assumed|i assumed|i('m| am) assuming|i('m| am) guessing|"
    r"i('ll| will) (go|default) (with|to)|i('ve| have) (gone|went|defaulted) (with|to)|i went with|"
    r"(since|as|because) you didn't (mention|specify|say|share|give)|without knowing .{1,40}, i('ll| will| have|'ve)|"
    r"i('ll| will) take (it|that) (you|to mean|as)|presumably|(as|for) the default|taking .{1,40} as (the|a) default|"
    r"by default,? i('ll| will| have|'ve)|going by .{1,30}\(|if i (assume|take)|i've taken|i('ll| will) treat .{1,30} as)\b"
)
_FORMULA = re.compile(
    r"^(hi|hello|hey|hiya|good (morning|afternoon|evening|night)|morning|night|welcome( back)?|you('re| are) (very |so |most )?"
    r"welcome|goodbye|bye|see you|talk (soon|later)|take care|have a (great|nice|good|lovely|wonderful)|thanks|thank you|"
    r"no problem|my pleasure|anytime|cheers|you bet|of course|sure|certainly|absolutely|happy (to help|to|new year|"
    r"birthday|friday|holidays)|merry|good luck|best of luck|enjoy|safe travels|sleep well|please do|great|aw+|ha+|haha|"
    r"i('m| am) (here|doing well|glad|an ai)|i hope|hope you|glad i could|it was a pleasure|come back|stay safe|"
    r"(nice|good|great|lovely) to (see|hear from|meet|chat|have)|nice seeing)\b"
)
_GREETING_OPEN = re.compile(r"^(hi|hello|hey|hiya|good (morning|afternoon|evening)|welcome)\b")
_SOCIAL_PREVIOUS = re.compile(
    r"^(hi|hello|hey|yo|good (morning|afternoon|evening|night)|morning|thanks|thank you|thx|ty|bye|goodbye|see you|"
    r"cheers|ok|okay|k|cool|lol|haha|awesome|great|perfect|nice|good to know|never mind|nvm|brb|gtg|test|merry|happy|"
    r"i'm back|hello again|just (saying|checking|wanted)|sorry,? wrong|you('re| are) (awesome|the best|funny|great)|"
    r"you've been|i appreciate|that's all|that's hilarious|that worked|i (passed|got the job|finally)|it's my birthday|"
    r"let's start over|can we chat|are you (a|an|real|human|there)|what's your name|who are you|do you like|how are you|"
    r"is anyone there|hope you|i'll (try|let you)|i'm done|i'm just going|i'm new)\b"
)
_FRAMING = re.compile(
    r"\b(depend|depends|vary|varies|more (detail|details|info|information|context)|a (few|couple of) (quick )?"
    r"(questions|details|things)|so (that )?i can|to (make it|give you|build|tailor|point you)|didn't come through|"
    r"don't see|i can't see|i'm not able to (open|see)|change[sd]? (the|what|a lot|things|completely|everything)|"
    r"helps? a lot|before i (suggest|recommend|answer)|i'd (love|be glad|be happy) to|i('m| am) happy to|happy to help|"
    r"happy to!|i can walk you|that's a big decision|it looks like|there are (a lot of|many|several)|i'll need|"
    r"i need a (bit|few|little)|i('d| would) need|even then|sure thing|of course|absolutely|great goal|fun!|"
    r"good call|nice project|exciting|sounds like a fun|that helps a lot|to (fit|make it fit))\b"
)


@dataclass(slots=True)
class _Sentence:
    text: str
    low: str
    para: int
    index: int
    list_item: bool
    is_question: bool
    words: int
    role: str = "content"


def _placeholder(match: re.Match[str], *, block: bool = False) -> str:
    """Replace written content by a token that keeps its size: ⟦n⟧ counts as n words of content."""
    size = len(_WORD.findall(match.group(0).lower()))
    return f"\n⟦{size}⟧\n" if block else f" ⟦{size}⟧ "


def _block(match: re.Match[str]) -> str:
    return _placeholder(match, block=True)


def _strip_written_content(text: str) -> str:
    """Replace what the assistant wrote FOR the user (code, drafts, quotes, dialogues) by size tokens."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = _CODE_BLOCK.sub(_block, text)
    text = _INLINE_CODE.sub(" code ", text)
    text = _RULE_SECTION.sub(_block, text)
    text = _BLOCKQUOTE.sub(_block, text)
    text = _LETTER.sub(_block, text)
    text = _QUOTED.sub(_placeholder, text)
    speakers = [m.group(1) for m in _DIALOGUE_LINE.finditer(text)]
    if len(speakers) > len(set(speakers)):  # a speaker talks twice: a written dialogue
        text = _DIALOGUE_LINE.sub(_block, text)
    text = _BOLD_QUESTION_LINE.sub(_block, text)
    return text


def _split_sentences(line: str) -> list[str]:
    if "." not in line and "!" not in line and "?" not in line:
        return [line]
    pieces = _SENTENCE_END.split(line)
    merged: list[str] = []
    for piece in pieces:
        if merged and _ABBREVIATION_END.search(merged[-1]):
            merged[-1] = merged[-1] + " " + piece  # "Dr. Lee", "e.g. this"
        else:
            merged.append(piece)
    return merged


def _sentences(text: str) -> list[_Sentence]:
    out: list[_Sentence] = []
    paragraphs = re.split(r"\n\s*\n", text)
    here_list = False
    for p_index, para in enumerate(paragraphs):
        for line in para.split("\n"):
            if not line.strip():
                continue
            is_item = bool(_LIST_MARK.match(line))
            if not is_item:
                here_list = bool(_HERE_INTRO.search(line)) and line.rstrip().endswith(":")
            elif here_list and line.rstrip().rstrip("*").endswith("?"):
                continue  # a quiz or content list introduced by "Here are ...:"
            for piece in _split_sentences(line):
                stripped = _MD_PREFIX.sub("", piece).strip().strip("*_").strip()
                if not stripped:
                    continue
                low = stripped.lower()
                written = sum(int(n) for n in _SIZE_TOKEN.findall(low)) if "⟦" in low else 0
                if written:
                    low = _SIZE_TOKEN.sub(" ", low).strip()
                words = len(_WORD.findall(low)) + written
                if not words and not low.endswith("?"):
                    continue
                out.append(
                    _Sentence(stripped, low, p_index, len(out), is_item, low.rstrip(" *_)\"'").endswith("?"), words)
                )
    return out


def _question_role(s: _Sentence, nxt: _Sentence | None) -> str:
    low = _OPENER.sub("", s.low.lstrip("¿(\"' "))
    if _SUGGESTION.search(low):
        return "content"
    if _RHETORICAL_OPEN.search(low):
        return "rhetorical"
    if _CHECK_TAIL.search(low) or (_CHECK_OPEN.search(low) and not _ALTERNATIVES.search(_CHECK_OPEN.sub("", low, count=1))):
        return "check"
    tail = low.rsplit(", ", 1)[-1]
    if _OFFER.search(low) or _OFFER.search(tail) or _FEELING.search(" ".join(low.split()[:8])):
        return "offer"
    answered = nxt is not None and nxt.para == s.para and _SELF_ANSWER.search(nxt.low) is not None
    if answered and not _YOU.search(low):
        return "rhetorical"
    return "clarification"


def _classify(sentences: list[_Sentence], emotional: bool = False, acknowledged: bool = False) -> None:
    for i, s in enumerate(sentences):
        nxt = sentences[i + 1] if i + 1 < len(sentences) else None
        low = s.low
        bare = _OPENER.sub("", low)
        negish = _NEGISH.search(low) is not None
        if i == 0 and acknowledged and not s.is_question and s.words <= 6:
            s.role = "ack"
        elif s.is_question:
            s.role = _question_role(s, nxt)
            if emotional and s.role == "clarification" and _YOU.search(low):
                s.role = "offer"  # asks about the user's situation or feelings (hard-cases doc)
        elif negish and ((_SAFETY_DECLINE.search(low) and not _SAFETY_EXCEPT.search(low)) or _FLAT_NO.match(low)):
            s.role = "safety"
        elif negish and _ABSTAIN.search(low) and not _ABSTAIN_EXCEPT.search(low):
            s.role = "content" if _COMMIT.search(low) else "abstain"
        elif (
            _REQUEST.search(bare)
            and not _REQUEST_NOT.search(bare)
            and not _CONDITIONAL.search(bare)
            and (not s.list_item or bare.startswith(("please", "tell me")))
        ):
            s.role = "request"
        elif s.words <= 25 and (nxt is None or nxt.is_question) and _CHECK_OPEN.search(bare):
            s.role = "restatement"  # "So: two adults, no kids." before a confirming question
        elif s.words <= 30 and _OFFER_STATEMENT.search(low):
            s.role = "offer_statement"
        elif s.words <= 25 and _SUPPORT.search(low):
            s.role = "support"
        elif s.words <= 30 and _POINTER.search(low):
            s.role = "pointer"
        elif s.words <= 12 and _FORMULA.search(low):
            s.role = "formula"
        elif s.words <= 22 and _FRAMING.search(low):
            s.role = "framing"


def _acknowledges(sentences: list[_Sentence]) -> bool:
    if not sentences:
        return False
    if len(sentences) == 1 and _BACKCHANNEL_ONLY.match(sentences[0].low):
        return True
    first = sentences[0].low.lstrip("😄😊🎉☕👍🙂 ")
    if _ACK_OPEN.search(first) and not _ACK_NOT.search(first):
        return True
    rest = _INTERJECTION.sub("", first)
    if rest != first and not rest and len(sentences) > 1:
        rest = sentences[1].low  # "Oh! Glad to hear it."
    return rest != first and bool(_ACK_OPEN.search(rest)) and not _ACK_NOT.search(rest)


@LABELLERS.register("rules")
class RulesLabeller:
    """Lexicon, pattern and position rules over sentences; thousands of turns per second.

    Version 2: strips content written for the user, classifies every sentence, and
    applies the guide's stance precedence with content-size thresholds.
    """

    name = "rules"
    version = "2"

    def label(self, text: str, previous: str | None = None) -> TurnLabel:
        cleaned = _strip_written_content(text)
        sentences = _sentences(cleaned)
        prev_low = (previous or "").strip().lower().replace("’", "'")
        acknowledged = _acknowledges(sentences)
        _classify(sentences, emotional=bool(_EMOTIONAL_CONTEXT.search(prev_low)), acknowledged=acknowledged)
        roles = [s.role for s in sentences]
        acts: set[Act] = set()
        if "clarification" in roles or "request" in roles:
            acts.add(Act.clarification)
        if "check" in roles:
            acts.add(Act.understanding_check)
        if "offer" in roles:
            acts.add(Act.follow_up)
        if acknowledged:
            acts.add(Act.acknowledgment)

        stance = self._stance(sentences, previous)
        low_all = " ".join(s.low for s in sentences)
        if self._repairs(sentences, low_all, prev_low, stance):
            acts.add(Act.repair)
        if stance is Stance.answer and any(k in low_all for k in _ASSUME_KEYS) and _ASSUME.search(low_all):
            acts.add(Act.assumption_disclosure)
        ordered = tuple(a for a in Act if a in acts)
        asks = any(r in ("clarification", "request", "check", "offer") for r in roles)
        return TurnLabel(acts=ordered, stance=stance, asks_question=asks)

    @staticmethod
    def _repairs(sentences: list[_Sentence], low_all: str, prev_low: str, stance: Stance) -> bool:
        if any(k in low_all for k in _REPAIR_OWN_KEYS) and _REPAIR_OWN.search(low_all):
            return True
        single_question = prev_low.endswith("?") and prev_low.count("?") == 1 and not re.search(r"[.!]\s", prev_low)
        if not prev_low or (single_question and _ASKED_ONLY.search(prev_low) and not re.search(r"\bright\?$", prev_low)):
            return False
        opening = " ".join(s.low for s in sentences[:3])
        if any(k in opening for k in _REPAIR_PREMISE_KEYS) and _REPAIR_PREMISE.search(opening):
            return True
        # "Kilimanjaro isn't the tallest mountain": a negated echo of what the user presupposed
        # ("Why is Kilimanjaro the tallest...?"), in an answer, not about the assistant or the user.
        if stance is not Stance.answer or not _PRESUPPOSING.search(prev_low):
            return False
        prev_words = {w for w in _WORD.findall(prev_low) if len(w) >= 4 and w not in _STOP}
        for s in sentences[:2]:
            if _NEGATION.search(s.low) and not _PERSONAL_NEGATION.search(s.low):
                shared = {w for w in _WORD.findall(s.low) if w in prev_words}
                if len(shared) >= 2:
                    return True
        # "..., not 1915" where the user had said 1915: a negated echo of the user's claim.
        for match in re.finditer(r",? not (the )?([a-z0-9][\w.,']*)", opening):
            token = match.group(2).strip(".,")
            if len(token) >= 2 and re.search(rf"\b{re.escape(token)}\b", prev_low) and any(c.isdigit() for c in token):
                return True
        return False

    @staticmethod
    def _stance(sentences: list[_Sentence], previous: str | None) -> Stance:
        roles = [s.role for s in sentences]
        # Strict content: what is left after asking, declining, pointing, supporting and
        # social formulas; loose content adds pointers and support, which ARE the answer
        # when nothing was declined ("Check the middle element, then halve the range").
        content = sum(s.words for s in sentences if s.role == "content")
        loose = content + sum(s.words for s in sentences if s.role in ("pointer", "support"))
        items = sum(1 for s in sentences if s.role in ("content", "pointer", "support") and s.list_item)
        asking = any(r in ("clarification", "request", "check") for r in roles)
        prev_low = (previous or "").strip().lower().replace("’", "'")

        if "safety" in roles:
            return _decline_stance(sentences, roles.index("safety"))
        if asking and loose < 12:
            return Stance.clarify_only
        if "abstain" in roles:
            first = roles.index("abstain")
            before = sum(s.words for s in sentences[:first] if s.role == "content")
            if first <= 2 and before < 15 and content < 45:
                return Stance.epistemic_abstain
        social = bool(_SOCIAL_PREVIOUS.search(prev_low))
        greeting = bool(sentences) and bool(_GREETING_OPEN.search(sentences[0].low))
        if loose == 0 or (social and loose < 25 and items == 0) or (greeting and loose < 10):
            return Stance.other
        return Stance.answer


def _decline_stance(sentences: list[_Sentence], first: int) -> Stance:
    """safety_refusal, or partial_refusal when safe content is delivered after the decline.

    Delivered content: plain content sentences after the decline, except a short lecture
    (a reason sentence) before any pivot ("here's what you can do", "for your own site, ...").
    Offers, hotlines and pointers do not count: offered-but-not-delivered stays a refusal.
    """
    delivered = 0
    delivered_items = 0
    pivoted = False
    for i, s in enumerate(sentences[first:], start=first):
        nxt = sentences[i + 1] if i + 1 < len(sentences) else None
        if _PIVOT.search(s.low) or (s.text.endswith(":") and nxt is not None and nxt.list_item):
            pivoted = True
        counted = ("content", "support", "pointer") if pivoted else ("content",)
        if s.role not in counted or i == first:
            continue
        if not pivoted and s.words <= 25 and _SAFETY_REASON.search(s.low):
            continue
        delivered += s.words
        delivered_items += s.list_item
    if (pivoted and (delivered >= 25 or delivered_items >= 3)) or delivered >= 60:
        return Stance.partial_refusal
    return Stance.safety_refusal
