"""Realistic answers a teacher might type, for end-to-end tests and the load benchmark."""

from __future__ import annotations

ANSWERS = {
    "nl": [
        "Noor",
        "Groep 5",
        "Ik merk dat ik steeds geïrriteerd raak als ze door de klas roept, en dat wil ik niet.",
        "Strijd, vermoeiend en soms heel warm. Vorige week lachten we samen om haar tekening.",
        "Gisteren hielp Noor spontaan een klasgenoot met rekenen. Ik gaf haar een compliment en"
        " ik was echt trots. Ze straalde, denk ik. Daarna ging ze rustig verder.",
        "Vanochtend weigerde ze haar werk te pakken. Ik zei dat ze moest beginnen en ik voelde me"
        " boos worden. Volgens mij voelde zij zich gekwetst. Uiteindelijk ging ze huilend zitten.",
        "Maandag was ze verdrietig omdat haar konijn dood was. Ik ging naast haar zitten en vroeg"
        " wat er was. Ik voelde me machteloos. Ze was bang, denk ik. Daarna werd ze rustiger.",
        "Gisteren gooide ze een gum naar een klasgenoot. Ik stuurde haar naar de gang en ik was"
        " kwaad. Ze voelde zich onterecht behandeld denk ik. Later hebben we het uitgepraat.",
        "Als ze iets nieuws snapt zie je haar gezicht oplichten, dat geeft me veel voldoening.",
        "Dat ik me soms een politieagent voel in plaats van een juf. Het kost me veel energie.",
        "Soms komt ze na de kring iets vertellen over haar broertje. Vorige week vertelde ze dat"
        " hij jarig was. Ik luisterde en ik vond het fijn. Ze was trots, denk ik. Daarna ging ze"
        " weer spelen.",
        "Ik denk dat ze mij streng vindt, omdat ik haar vaak moet corrigeren.",
        "Ja, bij rekenen weet ik vaak niet wat ik moet doen. Bij tekenen lukt het me wel.",
        "Ja, ik vraag me af hoe het thuis gaat. Ze komt vaak moe binnen.",
        "Dat de klik weer terugkomt. We zijn op de helft, een vast moment samen helpt.",
        "Nee, ik denk dat we alles besproken hebben.",
    ],
    "en": [
        "Sam",
        "Year 3",
        "I keep getting irritated when he calls out in class, and I do not want that.",
        "Struggle, tiring and sometimes warm. Last week we laughed together about his drawing.",
        "Yesterday Sam helped a classmate with maths. I gave him a compliment and I was proud."
        " I think he felt seen. Afterwards he carried on calmly.",
        "This morning he refused to start his work. I told him to begin and I felt angry. I think"
        " he felt hurt. In the end he sat down crying.",
        "On Monday he was sad because his rabbit died. I sat next to him and asked what happened."
        " I felt helpless. He was scared, I think. After the break he calmed down.",
        "Yesterday he threw an eraser at a classmate. I sent him to the hallway and I was angry."
        " He felt treated unfairly I think. Later we talked it through.",
        "When he understands something new his face lights up, that gives me satisfaction.",
        "That I sometimes feel like a police officer instead of a teacher. It drains me.",
        "Sometimes he comes to tell me about his little brother. Last week he told me it was his"
        " birthday. I listened and I enjoyed it. He was proud, I think. Afterwards he went back"
        " to play.",
        "I think he sees me as strict, because I have to correct him so often.",
        "Yes, in maths I often do not know what to do. In art I do feel I make a difference.",
        "Yes, I wonder how things are at home. He often comes in tired.",
        "That the click comes back. We are halfway, a fixed moment together helps.",
        "No, I think we covered everything.",
    ],
}
PROBE_ANSWER = {
    "nl": "Ik zei dat ik het zag en ik voelde me opgelucht. Ze was blij. Daarna ging het goed.",
    "en": "I said I noticed it and I felt relieved. He was glad. After that it went fine.",
}
