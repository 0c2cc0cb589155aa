"""The `rules` labeller's vocabulary: every lexicon and pattern it matches sentences against.

One job: hold the regular expressions, grouped as docs/labelling-guide.md groups the
decisions (question and request kinds, declines, acts), so a reader can check or tune a
pattern without reading the decision logic in `_rules`, which only combines them. Patterns
run on lower-cased sentences with typographic apostrophes already made plain.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------------------------------
# Question and request kinds
# ---------------------------------------------------------------------------------------
YOU = re.compile(r"\b(you|your|you're|you'd|you've|you'll|yours|yourself|u)\b")
OFFER = re.compile(
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
FEELING = re.compile(
    r"\b(feel|feeling|felt|worried|worry|excited|nervous|going on|brought this on|happened|want to leave|"
    r"been listening|been up to|been feeling|doing lately|cope|coping)\b"
)
RHETORICAL_OPEN = re.compile(
    r"^(why (does|is|do|would) (this|that|it) (matter|important|work)|sound (complicated|hard|scary|difficult|familiar)|"
    r"what could go wrong|what's the catch|the (result|answer|catch)|who knows|guess what|why not|"
    r"what does (this|that) mean|how (hard|bad) can it be|the best part|what do you call|why did the|"
    r"what did the .{1,20} say|knock,? knock)\b"
)
OPENER = re.compile(
    r"^((sure|ok|okay|of course|absolutely|certainly|great|got it|alright|perfect|understood|sorry|also|and|oh|ah)"
    r"( thing)?[,!.]?\s+)+"
)
#: How a writer answers their own question ("Sound hard? It isn't."): marks it rhetorical.
SELF_ANSWER = re.compile(
    r"^(because|it isn't|it's not|it is not|not (really|much|at all)|nope|no[,.!]|yes[,.!]|nothing|none|very little|"
    r"simple|simply|short answer|the answer|in short|turns out|surprisingly|often|usually|mostly|hardly|rarely|never|"
    r"always|absolutely|definitely|of course|plenty|a lot|more than you|less than you)\b"
)
SUGGESTION = re.compile(r"^(how|what) about\s+(?!you\b)\S+\s+\S+")
CHECK_OPEN = re.compile(
    r"^(so,? |okay,? so |ok,? so )?(just )?(to (confirm|check|double-check|be clear|be sure|make sure)|"
    r"just so i('m| am)|let me make sure|if i understand|if i('ve| have) got (this|that|it) right|"
    r"so you('re| are| want| need| mean| would| 'd|'d)|so (that's|that is|it's)|you mean|do you mean|did you mean|"
    r"are you (referring|asking|saying|talking)|you('re| are) (looking|asking|saying|referring|staying|planning|"
    r"hoping|trying|using|aiming|making)|you (want|need|'d like|would like|mean)|that would be|"
    r"when you say|by .{1,30} you mean|is that (the|a|for|your)|so,? (two|one|three|four|the|a|\d))"
)
CHECK_TAIL = re.compile(
    r"(,|;|\s)\s*(right|correct|yes|is that right|is that correct|am i right|does that sound right|"
    r"is that what you mean|have i got that right)\?\s*$|\bis that (right|correct)\?\s*$"
)
ALTERNATIVES = re.compile(r"\bor\b|\b(which|what|how|where|when|who)\b")
CONDITIONAL = re.compile(r"^(if|once|when|whenever|should|feel free|in case)\b")
REQUEST = re.compile(
    r"^(please |kindly |also,? |and |then |first,? )*(paste|share|send|upload|attach|describe|specify|provide|"
    r"clarify|tell me|give me|let me know|list|include|post)\b"
    r"|^(please )?(can|could|would) you (please )?(paste|share|send|upload|give|tell|describe|clarify|specify|provide|"
    r"let me know|confirm|say|explain what)\b"
)
REQUEST_NOT = re.compile(r"^(please |also )?let me know if\b|^(please )?(tell me|let me know) (if|whether) (you need|there's|you have any)")

# ---------------------------------------------------------------------------------------
# Declines
# ---------------------------------------------------------------------------------------
#: Cheap gate: a sentence without any of these cannot be a decline of either kind.
NEGISH = re.compile(r"n't|\bno|\bnot\b|cannot|unable|unknow|impossible|cut-?off|matter of|rather|skip|decline|never")
NEG_MODAL = (
    r"(i|we)( can't| cannot| can not| won't| will not|('m| am) not (able|going|willing) to|('m| am) unable to|"
    r"('d| would) rather not|('m| am) not (comfortable|okay)|( do not|( don't)) feel comfortable| must decline|"
    r"('ll| will) skip| shouldn't| should not| don't think i should)"
)
EPISTEMIC_VERB = (
    r"(know|predict|see|access|check|browse|look (it )?up|open|read|view|find out|tell (for sure|what|which|who|when|"
    r"whether|if|you (what|which|who|when|whether|if|the current|today|for sure|how many|how much|exactly))|say (for sure|"
    r"which|what|who|exactly)|be sure|be certain|determine|remember|recall|confirm|verify|guarantee|reliably)"
)
SAFETY_DECLINE = re.compile(
    rf"\b{NEG_MODAL} (really |even |just |actually |in good conscience )?(?!{EPISTEMIC_VERB}\b)"
    r"([a-z']+ ){0,3}?(help|assist|provid|giv|writ|creat|mak|generat|shar|discuss|describ|explain|produc|"
    r"support|engag|participat|invent|rank|list|teach|walk|recommend|fulfil|comply|includ|sign|offer|"
    r"disclos|reveal|identif|draft|compos|do (that|this|it)|go (there|into)|tell you how|detail|encourag|"
    r"facilitat|condon|promot|pretend|impersonat|forg|fake|build|cod|program|answer (that|this)|"
    r"synthesi[sz]|send|post|find|locat|track|spy|hack|diagnos|prescrib|advis|access (someone|other|another|his|her|their))\w*\b"
)
SAFETY_EXCEPT = re.compile(
    r"\b(can't|cannot) (stress|emphasi[sz]e|recommend|say|thank|wait|believe|imagine|overstate)\b.{0,40}\benough\b"
    r"|\bwon't bore\b|\bcan't help (but|feeling|thinking)\b|\b(can't|cannot) wait\b|\bwon't (regret|be disappointed)\b"
)
FLAT_NO = re.compile(r"^(absolutely not|definitely not|no way)[.!]?$")
SAFETY_REASON = re.compile(
    r"\b(illegal|unlawful|against the law|crime|criminal|unethical|harm|harmful|harming|hurt|dangerous|unsafe|"
    r"policy|policies|guidelines|terms of service|privacy|private|consent|permission|deceptive|dishonest|"
    r"fraud|forg|malicious|abuse|violat|inappropriate|safety|weapon|cheat|plagiari|harass|stalk|"
    r"unauthori[sz]ed|academic (dishonesty|integrity)|defamation|discriminat|stereotype|violence|violent|"
    r"minor|misleading|misuse|could be used|risk)"
)
ABSTAIN = re.compile(
    r"\b(i (don't|do not) (know|have (any )?(access|information|data|real-time|current|live|reliable|browsing|"
    r"any (way|information|data|memory))|have a (clock|way))|"
    r"i('m| am) not (sure|certain|aware)|i have no (way|access|information|data|record|memory|idea)|"
    r"i( can't| cannot| can not|('m| am) not able to|('m| am) unable to) "
    rf"(really |reliably |actually )?{EPISTEMIC_VERB}|"
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
ABSTAIN_EXCEPT = re.compile(r"\bi don't know about you\b|\bi('m| am) not (a|an) (lawyer|doctor|expert)")
COMMIT = re.compile(
    r",? but (as far as i know|i (think|believe|'d guess|would guess)|my best guess|it'?s (probably|likely|roughly|"
    r"about|around|usually|typically)|(an? |the )?(typical|average|adult|usual)|people tend|here's|generally|"
    r"typically|most)|\bmy best (guess|estimate)\b|\bi('d| would) (guess|estimate)\b"
)
POINTER = re.compile(
    r"\b(will (show|have|list|tell)|(shows|lists|has|have) (it|the|them|today|current|up-to-the|yesterday)|"
    r"(is|are) the (best|right|place)|check (your|the|their|a)|you can (check|find|look|search|call|ask|request|see)|"
    r"(app|website|site|portal|statement|page|profile|listing|channels?|office|service)\b.{0,40}\b(show|has|have|list|will)|"
    r"a quick (call|search)|search (for|by)|look (it )?up|contact (your|the)|ask (your|the|hr)|go to|visit|"
    r"places to (start|look)|(is|are) (your )?best (clues?|guide|bet|snapshot)|announce|track(s|er)?|"
    r"(apps?|sites?) like|or a quick)\b"
)
OFFER_STATEMENT = re.compile(
    r"\b(i (could|can) (also )?(help|suggest|write|draft|give|explain|share|walk|show|make|offer)|"
    r"if you('d| would) like,? i|i('d| would) be (glad|happy) to|i('m| am) (happy|glad) to help|"
    r"let me know if|feel free to|i('m| am) here (if|whenever|for)|happy to help (further|more|anytime))"
)
PIVOT = re.compile(
    r"\b(here('s| is| are)|what i can|i can (tell|share|help with|give|offer|explain)|on the (general|second|other) "
    r"(question|part|point)|the (second|other|harmless|safe) part|, though\b|though:|instead|luckily|"
    r"the (lawful|legal|legitimate|safe|safer|usual|honest|right) (way|route|options?|approach)|"
    r"(safer|legitimate|lawful|legal) (options|alternatives?|ways?|route)|these (are|work|tend)|tips:|"
    r"what you can (do|realistically)|how to (spot|protect|stay|get|find|handle)|(is|are) something i|"
    r"happy to help with|(safety|important|useful) (facts|information|things)|if you('re| are) asking (about|because|for)|"
    r"(some|a few|other|several) (options|ways|ideas|alternatives|tips|things|steps)|"
    r"for (your own|a|the|anyone)\b.{0,40}[,:]|what (helps|works|can help)|here's how|that (can|may) help)"
)
SUPPORT = re.compile(
    r"\b(988|hotline|helpline|crisis|samaritans|emergency (services|number|room)|call 911|911|poison control|"
    r"(please )?(reach out|talk|speak) to (someone|a|your|an)|you (don't|do not) have to (go through|handle|face)|"
    r"you('re| are) not alone|you deserve|you matter|please (stay safe|consult|see|seek|contact)|"
    r"(a |your )?(doctor|pharmacist|professional|counsel+or|therapist|lawyer|locksmith|teacher|advisor|adult)"
    r"\b.{0,40}\b(can|could|would|is|are) (help|the right|the way|best)|if (you're|you are|someone is) (in|having|"
    r"thinking|worried|struggling|feeling)|stay safe|(\d-)?\d{3}-\d{3}-\d{4})"
)

# ---------------------------------------------------------------------------------------
# Acts from lexicons; social formulas and framing
# ---------------------------------------------------------------------------------------
INTERJECTION = re.compile(r"^((oh|aw+|wow|ooh+|yay|haha+|ha|hah|great|hey|well|yes)[,!. ]+)+")
ACK_OPEN = re.compile(
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
BACKCHANNEL_ONLY = re.compile(
    r"^(yeah|yea|yep|yup|uh-huh|uh huh|mm-hmm|mm hmm|mhm|mm|hmm|right|okay|ok|i see|oh|oh okay|oh i see|wow|really|"
    r"cool|nice|great|exactly|true|indeed|gotcha|got it|sure|alright|all right)([ ,.!?]+(yeah|okay|ok|right|i see|"
    r"sure|yep))*[ .!?]*$"
)
#: The user is talking about their own feelings or troubles: questions about them are follow-ups.
EMOTIONAL_CONTEXT = re.compile(
    r"\bmy \w+ (died|passed away|left me|broke up with me)\b|"
    r"\b(i|i'm|i am|i've|i have|i feel|i felt|i was)\b.{0,40}\b(sad|depress|anxious|anxiety|stress|lonely|upset|"
    r"hurt|cry|crying|worried|scared|afraid|angry|grief|griev|lost my|broke up|break ?up|died|passed away|overwhelm|"
    r"exhaust|struggl|hard time|fired|laid off|divorce|hopeless|miserable|heartbroken|panic|can't sleep|insomnia)"
)
ACK_NOT = re.compile(
    r"^(ok(ay)?|right|perfect|excellent|alright|oh) (for|to|so that|when|if|size|here's the)\b|^right (now|away)|^oh,? (and|by)\b"
)
REPAIR_OWN = re.compile(
    r"\b(i (misread|misspoke|misunderstood|misheard|mixed (up|them up)|transposed|confused|swapped|got (that|it|this) wrong|"
    r"was wrong|made (a|an) (mistake|error|typo))|i had (it|that|the .{1,30}|them) (wrong|swapped|backwards|mixed up)|"
    r"my (mistake|error|bad)|i gave you the wrong|here's the corrected|corrected (query|version|code|formula)|"
    r"not the .{1,30} i gave|sorry for the (confusion|mix-up|error))\b"
)
REPAIR_PREMISE = re.compile(
    r"\b(myth|misconception|a small correction|common mistake|(isn't|is not|wasn't|was not|not) (true|correct|accurate)|"
    r"not supported by (the )?evidence|never happened|contrary to|not (actually )?(the case|visible)|"
    r"actually,? (not|no)|(there's|there is) no need to|close,? but|almost!|"
    r"there'?s no (evidence|such))\b|(n't|\bnot|\bno) actually\b"
)
PRESUPPOSING = re.compile(r"^(why|how come)\b|\b(since|given that|considering|now that|when it|because)\b|\bright\?$")
PERSONAL_NEGATION = re.compile(r"\b(i|you|we)( \w+)? (can't|cannot|don't|do not|won't|will not|am not|'m not|didn't|need not)\b")
NEGATION = re.compile(r"n't\b|\b(not|never|no longer)\b")
STOP = frozenset(
    ["the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "from", "by", "about", "as", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "have", "has", "had", "it", "its", "this", "that", "these", "those", "there", "their", "they", "them", "he", "she", "his", "her", "you", "your", "we", "our", "i", "my", "me", "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "can", "could", "would", "should", "will", "shall", "may", "might", "must", "not", "no", "so", "than", "then", "too", "very", "just", "also", "really", "actually", "much", "many", "more", "most", "some", "any", "all", "each", "every", "other", "into", "over", "under", "again", "only", "own", "same", "such", "both", "few", "like", "get", "got", "make", "made"]
)
#: Substrings one of which every match of the pattern above/below contains: a cheap gate
#: (`in` is a C-level scan) before the full regular expression runs.
REPAIR_OWN_KEYS = ("mis", "wrong", "mixed", "transposed", "confused", "swapped", "my mistake", "my error", "my bad",
                    "corrected", "i gave", "sorry for the", "made a", "made an", "backwards")
REPAIR_PREMISE_KEYS = ("myth", "misconception", "correction", "mistake", "true", "correct", "accurate", "evidence",
                        "never happened", "contrary", "the case", "visible", "actually", "no need", "close", "almost",
                        "no such")
ASSUME_KEYS = ("assum", "guess", "go with", "gone with", "went with", "default", "didn't", "without knowing", "take it",
                "take that", "presumably", "going by", "taken", "treat")
ASKED_ONLY = re.compile(
    r"^(is|are|was|were|do|does|did|can|could|will|would|has|have|should|is it true)\b(?!.*\b(why|since|how come)\b)"
)
ASSUME = re.compile(
    r"\b(assuming|i('ll| will) assume|i('ve| have) assumed|i assumed|i('m| am) assuming|i('m| am) guessing|"
    r"i('ll| will) (go|default) (with|to)|i('ve| have) (gone|went|defaulted) (with|to)|i went with|"
    r"(since|as|because) you didn't (mention|specify|say|share|give)|without knowing .{1,40}, i('ll| will| have|'ve)|"
    r"i('ll| will) take (it|that) (you|to mean|as)|presumably|(as|for) the default|taking .{1,40} as (the|a) default|"
    r"by default,? i('ll| will| have|'ve)|going by .{1,30}\(|if i (assume|take)|i've taken|i('ll| will) treat .{1,30} as)\b"
)
FORMULA = re.compile(
    r"^(hi|hello|hey|hiya|good (morning|afternoon|evening|night)|morning|night|welcome( back)?|you('re| are) (very |so |most )?"
    r"welcome|goodbye|bye|see you|talk (soon|later)|take care|have a (great|nice|good|lovely|wonderful)|thanks|thank you|"
    r"no problem|my pleasure|anytime|cheers|you bet|of course|sure|certainly|absolutely|happy (to help|to|new year|"
    r"birthday|friday|holidays)|merry|good luck|best of luck|enjoy|safe travels|sleep well|please do|great|aw+|ha+|haha|"
    r"i('m| am) (here|doing well|glad|an ai)|i hope|hope you|glad i could|it was a pleasure|come back|stay safe|"
    r"(nice|good|great|lovely) to (see|hear from|meet|chat|have)|nice seeing)\b"
)
GREETING_OPEN = re.compile(r"^(hi|hello|hey|hiya|good (morning|afternoon|evening)|welcome)\b")
SOCIAL_PREVIOUS = re.compile(
    r"^(hi|hello|hey|yo|good (morning|afternoon|evening|night)|morning|thanks|thank you|thx|ty|bye|goodbye|see you|"
    r"cheers|ok|okay|k|cool|lol|haha|awesome|great|perfect|nice|good to know|never mind|nvm|brb|gtg|test|merry|happy|"
    r"i'm back|hello again|just (saying|checking|wanted)|sorry,? wrong|you('re| are) (awesome|the best|funny|great)|"
    r"you've been|i appreciate|that's all|that's hilarious|that worked|i (passed|got the job|finally)|it's my birthday|"
    r"let's start over|can we chat|are you (a|an|real|human|there)|what's your name|who are you|do you like|how are you|"
    r"is anyone there|hope you|i'll (try|let you)|i'm done|i'm just going|i'm new)\b"
)
FRAMING = re.compile(
    r"\b(depend|depends|vary|varies|more (detail|details|info|information|context)|a (few|couple of) (quick )?"
    r"(questions|details|things)|so (that )?i can|to (make it|give you|build|tailor|point you)|didn't come through|"
    r"don't see|i can't see|i'm not able to (open|see)|change[sd]? (the|what|a lot|things|completely|everything)|"
    r"helps? a lot|before i (suggest|recommend|answer)|i'd (love|be glad|be happy) to|i('m| am) happy to|happy to help|"
    r"happy to!|i can walk you|that's a big decision|it looks like|there are (a lot of|many|several)|i'll need|"
    r"i need a (bit|few|little)|i('d| would) need|even then|sure thing|of course|absolutely|great goal|fun!|"
    r"good call|nice project|exciting|sounds like a fun|that helps a lot|to (fit|make it fit))\b"
)
