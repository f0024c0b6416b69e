"""Write the fictional Lumen Energy app survey export in ``data/sample_survey/``.

A Qualtrics-style CSV (one row per respondent; the survey tool's own fields first, then
ratings, categories and three open-ended questions). Every answer was written for cxinsight's
documentation; no real person or company is described. Deterministic: the same file each run.

    .venv/bin/python tools/sample_survey/make_survey.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "sample_survey" / "lumen_app_survey_export.csv"
N = 180

LIKE = [
    "Seeing my usage every day, it's made us much more careful with the heating.",
    "Submitting meter readings takes seconds now, you just photograph the meter.",
    "The bill breakdown is really clear, I can finally see what the standing charge is.",
    "Honestly the price alerts. I got a message before the cap changed and it helped me plan.",
    "Easy to top up and it remembers my card.",
    "The usage graph by hour. We moved the washing machine to the night and it shows.",
    "It's simple. Everything I need is on the first screen.",
    "Paying by direct debit and being able to change the date myself without phoning.",
    "The EV charging schedule, the car charges on the cheap rate without me doing anything.",
    "Notifications when a payment is taken, so no surprises.",
    "I like the carbon figure each month, the kids compete to get it down.",
    "Dark mode and the big numbers, easy to read on my phone.",
    "The chat inside the app. I got an answer in ten minutes on a Sunday.",
    "Being able to download my statements as PDF for my accountant.",
    "Compare this month with the same month last year.",
    "It works. Never crashed on me.",
    "The home screen widget with today's cost.",
    "Clear estimate of my next bill so I can budget.",
    "Smart meter readings go in automatically, I never have to think about it.",
    "Moving house was easy, I put the new address in the app and it sorted the rest.",
    "Not much, it does the basics.",
    "The tips about reducing usage are actually useful, not the usual generic stuff.",
    "I can manage my mum's account as well from my login.",
    "Nothing in particular",
    "Quick to log in with my fingerprint.",
]
DIFFICULT = [
    "The app logs me out every few days and the password reset email takes ages to arrive.",
    "My smart meter stopped sending readings in March and the app just shows estimates since then.",
    "I was charged twice for January and it took three weeks and four chats to get the refund.",
    "Finding how to change my tariff. It's buried under Account then Plan then Options.",
    "The usage graph doesn't load on my older phone, just a spinning wheel.",
    "No way to see the unit rate I'm actually paying without opening a PDF.",
    "When I moved out the final bill was wrong and nobody replied to my message for 10 days.",
    "Direct debit went up from 85 to 140 pounds with no explanation in the app.",
    "Estimated bills. I submit readings and it still estimates.",
    "Waiting on hold for 45 minutes because the app couldn't answer a simple question.",
    "The meter reading photo keeps failing to read the numbers in my dark cupboard.",
    "Nothing really, it's fine.",
    "Two accounts (gas and electricity) that I can't merge in the app.",
    "The EV schedule reset itself after an update and the car charged at peak rate all week.",
    "Notifications are too frequent, I turned them off and then missed a payment reminder.",
    "Error 503 on the payments page three times this month.",
    "I can't add my partner as a second user, so only I can see the bills.",
    "The credit on my account isn't refunded automatically, you have to ask.",
    "Statements only go back 12 months in the app.",
    "Customer service gave me three different answers about the same bill.",
    "It's slow. Everything takes a few seconds to load.",
    "The chat bot doesn't understand anything, I just want a person.",
    "Nothing",
    "Confusing terms, what is a standing charge and why is it so high?",
    "The app says my balance is in credit but the email says I owe money.",
]
WISH = [
    "I wish it would warn me when usage is unusually high, like if the heating is stuck on.",
    "Please add a way to export my half-hourly data as a spreadsheet.",
    "It would be great if I could see what I'd pay on the other tariffs with my real usage.",
    "Let me pick which notifications I get instead of all or nothing.",
    "A joint account view for couples.",
    "Show the unit rate and standing charge on the home screen.",
    "Apple Watch app.",
    "I'd like to be able to book an engineer visit in the app instead of phoning.",
    "Should be able to pause the direct debit for a month when we're in credit.",
    "More detail per appliance would be nice if that's possible.",
    "A proper dark mode for the graphs too.",
    "Let me talk to a human from the chat without going through the bot first.",
    "It would be good to get my credit back with one tap.",
    "No, it does what I need.",
    "Solar export readings alongside my usage.",
    "Reminders to submit readings if the smart meter isn't working.",
    "Welsh language option.",
    "Compare my usage with similar homes nearby.",
    "Offline mode so I can see last month's bill on the underground.",
    "n/a",
    "Bigger text option for my dad who uses it.",
]
OPENERS = ["", "", "", "", "Honestly, ", "For me, ", "Probably ", "Hmm, ", "Mainly "]
CLOSERS = ["", "", "", "", " Thanks.", " That's about it.", " Otherwise good.",
           " Would be a 10 otherwise.", " Please fix.", " :)", " Not a big deal though."]


def _vary(rng: random.Random, answer: str) -> str:
    """Real answers rarely repeat word for word: openers, closers, case and full stops vary."""
    if not answer or len(answer.split()) < 3:
        return answer
    opener = rng.choice(OPENERS)
    text = answer if not opener else opener + answer[0].lower() + answer[1:]
    text += rng.choice(CLOSERS)
    if rng.random() < 0.2:
        text = text.rstrip(".")
    if rng.random() < 0.1:
        text = text.lower()
    return text


TARIFFS = ["Fixed 12M", "Fixed 24M", "Variable", "EV Night Saver"]
REGIONS = ["North West", "London", "Scotland", "Wales", "South East", "Midlands"]
TENURE = ["Less than a year", "1-3 years", "More than 3 years"]


def _nps(rng: random.Random, difficulty: str) -> int:
    unhappy = any(w in difficulty for w in ("twice", "hold", "wrong", "stopped", "503", "three"))
    return rng.choice([2, 3, 4, 5, 6, 6, 7]) if unhappy else rng.choice([6, 7, 8, 8, 9, 9, 10, 10])


def main() -> int:
    rng = random.Random(20260311)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    header = [
        "StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)", "Finished",
        "RecordedDate", "ResponseId", "Tariff", "Region", "How long have you been with Lumen?",
        "How likely are you to recommend Lumen to a friend or colleague? (0-10)",
        "What do you like most about the Lumen app?",
        "What, if anything, makes managing your energy account in the app difficult?",
        "Is there anything you wish the app could do?",
    ]
    rows = []
    for i in range(N):
        day = 3 + i % 20
        hour = 8 + (i * 7) % 12
        start = f"2026-05-{day:02d} {hour:02d}:{(i * 13) % 60:02d}:00"
        duration = rng.randint(95, 900)
        finished = rng.random() > 0.08
        like = _vary(rng, rng.choice(LIKE)) if rng.random() > 0.07 else ""
        hard = _vary(rng, rng.choice(DIFFICULT)) if (finished or rng.random() > 0.5) else ""
        wish = _vary(rng, rng.choice(WISH)) if finished and rng.random() > 0.2 else ""
        rows.append([
            start, start[:-5] + f"{(i * 13 + duration // 60) % 60:02d}:00", "IP Address",
            100 if finished else rng.choice([35, 60, 80]), duration, str(finished),
            start, f"R_{rng.getrandbits(48):012x}", rng.choice(TARIFFS), rng.choice(REGIONS),
            rng.choice(TENURE), _nps(rng, hard) if finished else "", like, hard, wish,
        ])
    with OUT.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} respondents")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
