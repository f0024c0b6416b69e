"""Customer-experience sentences written by the cxinsight authors, with our sign labels.

Event descriptions with few or no emotion words, in the calm register of interviews. Used to
choose the event-lexicon weight (``tools/train_emotions.py``) and in the tests; never taken
from the sample study.
"""

CX_EVENT_SENTENCES: list[tuple[str, int]] = [
    ("The box came two days late and the herbs were missing.", -1),
    ("They charged me for a week I'd skipped.", -1),
    ("The courier left it on the doorstep in the rain.", -1),
    ("Half the ingredients were missing from the bag.", -1),
    ("They sent me the wrong box, someone else's order.", -1),
    ("The lettuce had gone off by Wednesday.", -1),
    ("I was on hold for forty minutes before anyone picked up.", -1),
    ("I couldn't find how to cancel anywhere on the website.", -1),
    ("The app logged me out every time I tried to pay.", -1),
    ("The price went up again in March.", -1),
    ("There was an extra charge I hadn't seen at checkout.", -1),
    ("Nobody got back to me about the refund.", -1),
    ("The delivery window was six till ten and it still turned up at eleven.", -1),
    ("My order never arrived.", -1),
    ("They took the money twice that month.", -1),
    ("The page kept timing out and I had to start again.", -1),
    ("The eggs were smashed and the milk had leaked everywhere.", -1),
    ("I waited three weeks for a reply.", -1),
    ("I had to ring them four times about the same thing.", -1),
    ("The discount code didn't work at the checkout.", -1),
    ("It arrived on time, every single week.", 1),
    ("She sorted it out in five minutes.", 1),
    ("They refunded me the same day, no questions asked.", 1),
    ("The driver texted me before he came, which was handy.", 1),
    ("Pausing took two clicks.", 1),
    ("They gave me a credit for the missing yoghurt straight away.", 1),
    ("The man on the phone went out of his way to help.", 1),
    ("It saves me a trip to the shops on a Monday.", 1),
    ("Everything was there and it was all fresh.", 1),
    ("They kept me updated the whole way through.", 1),
    ("The app just works, I never think about it.", 1),
    ("Skipping a week is quick and painless.", 1),
    ("He apologised and put a new box on the van the next day.", 1),
    ("Delivery is always bang on time.", 1),
    ("The recipes are easy to follow even on a school night.", 1),
]

#: Sentences with no event: the event lexicon must leave them at 0.
CX_NEUTRAL_SENTENCES: list[str] = [
    "We get the box on a Tuesday usually.",
    "I live with my partner and two kids in Leeds.",
    "I mostly order the vegetarian recipes.",
    "My sister told me about it at Christmas.",
    "I work from home three days a week.",
    "We cook together most evenings.",
]

#: Failures reported as plain facts, with no emotion word: all must read negative.
CX_FAILURE_SENTENCES: list[str] = [
    "Flight delayed 3 hours.",
    "They cancelled my train the night before.",
    "The airline lost my suitcase on the way out.",
    "The parcel arrived damaged.",
    "I was on hold for 45 minutes.",
    "Still no refund after six weeks.",
    "The bike was dead when I picked it up.",
    "I got charged twice for the same order.",
    "I emailed them three times and got no reply.",
    "We sat on the tarmac for two hours.",
]

#: Requests and wishes: flagged as requests and never positive.
CX_REQUEST_SENTENCES: list[str] = [
    "I wish the app remembered my delivery slot.",
    "It would be great if I could pause for a month.",
    "Please add a dark mode.",
    "You should be able to change the address after ordering.",
    "A way to export my history would be awesome.",
    "I'd love to see more vegetarian options.",
]

#: Polite complaints: the thanks must not make them positive.
CX_POLITE_COMPLAINTS: list[str] = [
    "Thanks, but my bag still hasn't arrived.",
    "The agent spoke really nicely, but the flight was cancelled and nobody rebooked us.",
    "Thank you for the reply, I have been waiting on hold for an hour.",
]

#: (question, answer, expected sign of valence) for question-aware valence. Answers to problem
#: questions carry no emotion word; answers to positive questions are plain too.
CX_QUESTION_ANSWERS: list[tuple[str, str, int]] = [
    ("What hinders you from using it more?", "The export to spreadsheets.", -1),
    ("What needs does the product not address?", "Sharing notebooks with colleagues.", -1),
    ("What is the most difficult part of cancelling?", "Finding the page in settings.", -1),
    ("What would you improve?", "The search results.", -1),
    ("What frustrates you about the app?", "Nothing really, it's fine.", 1),
    ("What do you like most about the service?", "The recipes and the portion sizes.", 1),
    ("What do you value about the app?", "Being able to skip a week.", 1),
]

#: Questions and the kind they ask for.
CX_QUESTION_KINDS: list[tuple[str, str]] = [
    ("What hinders you from using Jupyter more?", "problem"),
    ("What needs does it not address?", "problem"),
    ("Do you have challenges with the notebook UI?", "problem"),
    ("Open feedback for problems/ pain points you didn't get to share.", "problem"),
    ("What was the hardest part of setting it up?", "problem"),
    ("Is there anything missing?", "problem"),
    ("What do you like most about it?", "positive"),
    ("Which features do you enjoy using?", "positive"),
    ("What works well for you?", "positive"),
    ("How did you first hear about us?", "neutral"),
    ("What tools do you use to create dashboards?", "neutral"),
    ("Are there any other ways you use it that were not covered in the previous questions?", "neutral"),
    ("What are the biggest pain points for you in running your class?", "problem"),
    ("", "none"),
]
