"""The RFM segments' names, the R x F map and the advice per segment (see
analytics/rfm.py for how customers are scored). Plain data, so the pages and
selectors that name segments need not import pandas."""

CHAMPIONS = "Champions"
LOYAL = "Loyal"
POTENTIAL_LOYALIST = "Potential loyalist"
NEW = "New"
PROMISING = "Promising"
NEED_ATTENTION = "Need attention"
ABOUT_TO_SLEEP = "About to sleep"
AT_RISK = "At risk"
CANNOT_LOSE_THEM = "Cannot lose them"
HIBERNATING = "Hibernating"
LOST = "Lost"

# Best to worst; the order of the summary.
SEGMENTS = (
    CHAMPIONS,
    LOYAL,
    POTENTIAL_LOYALIST,
    NEW,
    PROMISING,
    NEED_ATTENTION,
    ABOUT_TO_SLEEP,
    CANNOT_LOSE_THEM,
    AT_RISK,
    HIBERNATING,
    LOST,
)

# SEGMENT_GRID[r - 1][f - 1] is the segment of scores R = r, F = f (the table above,
# read bottom row first).
SEGMENT_GRID = (
    (LOST, LOST, AT_RISK, AT_RISK, CANNOT_LOSE_THEM),  # R = 1
    (HIBERNATING, HIBERNATING, AT_RISK, AT_RISK, CANNOT_LOSE_THEM),  # R = 2
    (ABOUT_TO_SLEEP, ABOUT_TO_SLEEP, NEED_ATTENTION, LOYAL, LOYAL),  # R = 3
    (PROMISING, POTENTIAL_LOYALIST, POTENTIAL_LOYALIST, LOYAL, LOYAL),  # R = 4
    (NEW, POTENTIAL_LOYALIST, POTENTIAL_LOYALIST, CHAMPIONS, CHAMPIONS),  # R = 5
)

SEGMENT_ADVICE = {
    CHAMPIONS: "Reward them: early access, thank-you offers; ask for reviews and "
    "referrals.",
    LOYAL: "Keep them close: loyalty perks and cross-sell higher-value products.",
    POTENTIAL_LOYALIST: "Turn them into regulars: membership or loyalty offer and "
    "product recommendations.",
    NEW: "Welcome them: onboarding, help with the first order, a reason to come back.",
    PROMISING: "Build the habit: a timely follow-up and a small incentive for the next "
    "order.",
    NEED_ATTENTION: "Re-engage before they drift: a personal call or a limited-time "
    "offer.",
    ABOUT_TO_SLEEP: "Wake them up: share popular products and a win-back discount.",
    CANNOT_LOSE_THEM: "Win them back now: call personally, find out what went wrong, "
    "make a strong offer.",
    AT_RISK: "Reach out personally with a tailored offer before they are gone.",
    HIBERNATING: "Low-cost reminders only: a relevant offer now and then.",
    LOST: "Try one win-back campaign; otherwise do not spend on them.",
}
