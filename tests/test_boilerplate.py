"""Site boilerplate rules, measured on lines written for these tests from many kinds of sites.

None of these lines comes from the corpus: they check that the rules describe
kinds of site lines (cookie banners, ad labels, share rows, bylines, bios,
menus ...) and leave article sentences that share their words alone.
"""

from __future__ import annotations

import pytest

from assistant.boilerplate import GLUED_REASONS, boilerplate_reason, trim_boilerplate
from assistant.chunking import chunk_document
from assistant.corpus import Document

SITE_LINES = [
    # Feedback buttons on their own line.
    "Yes | No",
    "Helpful | Not helpful",
    # Cookie banners and consent
    "We use cookies to improve your experience.",
    "By continuing you accept our use of cookies.",
    "By continuing to browse this site, you agree to our Cookie Policy.",
    "Accept all cookies",
    "Manage cookie preferences",
    "This website uses cookies to ensure you get the best experience on our website.",
    "Reject non-essential cookies",
    # Legal and disclaimers
    "\u00a9 2023 Wellness Weekly LLC.",
    "Use of this site is subject to our Terms of Use and Privacy Policy.",
    "This article contains affiliate links, and we may earn a commission on purchases.",
    "These statements are not intended to diagnose, treat, cure or prevent any disease.",
    "ExampleClinic.org does not endorse any specific products or services.",
    "Do Not Sell My Personal Information",
    # Ads
    "Advertisement",
    "ADVERTISEMENT",
    "Sponsored content",
    "Paid partnership",
    "Story continues below advertisement",
    "This article is sponsored by Acme Supplements.",
    "Sponsored by Northside Physio",
    # Menus and breadcrumbs
    "Related: Knee Pain | Hip Pain | Shoulder Stretches",
    "See also: Sciatica | Herniated Disc | Posture at Work",
    "Read next: 10 Foods That Fight Inflammation",
    "You may also like: Best Shoes for Plantar Fasciitis",
    "Home > Health A-Z > Back Pain",
    "Home | Conditions | Fitness | Nutrition | About Us",
    "Home \u00bb Running \u00bb Injuries \u00bb Shin Splints",
    # Bylines
    "Medically reviewed by Jane Doe, MD \u2014 Written by Tom Lee \u2014 Updated on June 1, 2022",
    "Medically reviewed by a board-certified physician",
    "By Jane Smith, PT, DPT | Updated March 3, 2024 Knee Pain: 7 Causes and Treatments",
    "By John Roe, MD Updated on 12 May 2023 Shin Splints: What to Know",
    "Written by Maria Gomez, RD \u00b7 6 min read",
    "Last reviewed: 2022-11-04",
    "Posted on 4 April 2019 by admin",
    "Updated: 3 days ago",
    "Fact checked by Sam O'Neil",
    "Dr. Priya Raman, DO, FACP",
    "Published: 4 May 2021 Back Pain - causes and relief.",
    # Share rows and follow links
    "Share | Tweet | Pin | Email",
    "Share on Facebook",
    "Facebook Twitter Pinterest Email Print",
    "Share this article",
    "Follow us on Instagram @healthyhabits",
    "Like us on Facebook",
    "Pin it for later!",
    "Click here to download your free exercise plan.",
    # Newsletter prompts
    "Sign up for our newsletter",
    "Subscribe to our weekly health tips",
    "Get the latest health news delivered to your inbox.",
    "Enter your email address to subscribe.",
    "Thanks for signing up!",
    "Join our community of two million readers.",
    "Sign up with your email to get a free 7-day meal plan.",
    # Author bios
    "Jane Doe is a freelance health writer based in Austin.",
    "Dr. Amy Chen is a board-certified sports medicine physician and the author of two books.",
    "He holds a master's degree in exercise science from a state university.",
    "Mark Ellis has written for several running magazines.",
    "She is also a registered dietitian and a certified strength coach.",
    "About the author",
    "Kelly Brown, RN, is a nurse educator who lives in Denver.",
    # Picture credits and page controls
    "Photo: Getty Images",
    "Image credit: iStock",
    "Back to top",
    "Skip to main content",
    "Was this article helpful? Yes No",
    "Tags: back pain, stretches, yoga",
    "Our editors independently research, test and recommend the best products.",
]

ARTICLE_SENTENCES = [
    "Yes, you can keep walking.",
    "No, rest is not always best.",
    "Published research shows heat helps.",
    "Sign up for a physical therapy program if the pain lasts more than a few weeks.",
    "Yoga is best learned from a certified instructor.",
    "Updated guidelines recommend staying active.",
    "Share your symptoms with your doctor.",
    "Read the label before taking any medicine.",
    # Reports an expert's advice: content, not a bio about the site's writer.
    "Dr. Patel is a physiotherapist who recommends gentle walking.",
    "Your doctor may refer you to a physical therapist, chiropractor, or massage therapist.",
    "Subscribe to a routine of daily stretches.",
    "Good options include walking, swimming, cycling, yoga, tai chi and water aerobics.",
    "Try these stretches: Child's Pose, Cat-Cow, Cobra, Pigeon Pose, Knee to Chest, and Pelvic Tilt.",
    "Warm up with these moves: Arm Circles, Leg Swings, High Knees, Butt Kicks and Jumping Jacks.",
    "Research sponsored by a national institute found that exercise reduces pain.",
    "Eating too many cookies can raise your blood sugar.",
    "Many people with chronic pain find support in online communities and Facebook groups.",
    "Email your physical therapist if the exercises cause sharp pain.",
    "Print out this exercise sheet and keep it on the fridge.",
    "By Friday, most people can walk without a limp.",
    "By stretching every morning, you can reduce stiffness.",
    "Posted reminders can help you keep up with your exercises.",
    "Written instructions from your therapist make home exercise easier.",
    "Reviewed by a panel of experts, the guidelines favour exercise over bed rest.",
    "March is a good month to start an outdoor walking routine.",
    "She is a runner who strained her calf last spring.",
    "Dr. Nguyen, a sports medicine physician, says most sprains heal within six weeks.",
    "A certified athletic trainer can show you how to tape an ankle.",
    "Physical therapists are experts in movement and function.",
    "Like many joint problems, knee pain often improves with rest.",
    "Follow the instructions on the label.",
    "Join a walking group to stay motivated.",
    "Register for a beginner's yoga class at your local gym.",
    "Heat, ice, rest, gentle movement and over-the-counter pain relief can all help.",
    "Related conditions include sciatica and herniated discs.",
    "See also your GP if the pain spreads down your leg.",
    "Advertising for miracle cures often targets people with chronic pain.",
    "Most doctors do not endorse bed rest for back pain.",
    "He holds the stretch for 30 seconds before switching sides.",
    "Pin the resistance band under your foot and pull gently.",
    "Save your strength for the exercises that matter most.",
    "Sponsored walks raise money for arthritis research each spring.",
    "Terms like slipped disc can be misleading.",
    "Medicine such as ibuprofen can ease swelling, but ask your pharmacist first.",
    "Dr. Lee, MD, recommends a short walk after every meal.",
    "The National Institute on Aging suggests balance exercises for older adults.",
    "Share the exercise plan with anyone who helps care for you.",
    "Jane Doe, MD, recommends a short walk after every meal.",
    "Published in 2019, the study followed 300 runners.",
    "Written by hand, a pain diary is easy to keep.",
    "Last updated guidance from the health service recommends staying active.",
    "Sign in at the front desk before your appointment.",
    "Back to top form after an injury takes patience.",
    "Copyright concerns aside, the study's sample was small.",
    "Like us, many readers found that swimming eased their pain.",
    "Courtesy of regular stretching, her hips feel looser.",
    "Photo therapy can help some skin conditions.",
    "Tags on clothing can irritate sensitive skin.",
]


@pytest.mark.parametrize("line", SITE_LINES)
def test_site_lines_are_boilerplate(line: str) -> None:
    assert boilerplate_reason(line) is not None


@pytest.mark.parametrize("line", ARTICLE_SENTENCES)
def test_article_sentences_are_not_boilerplate(line: str) -> None:
    assert boilerplate_reason(line) is None
    assert trim_boilerplate(line) == (0, len(line))


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            "By Jane Smith, PT | Updated March 3, 2024 Ice can calm a sore knee within a few minutes.",
            "Ice can calm a sore knee within a few minutes.",
        ),
        (
            "By John Roe, MD Updated on 12 May 2023 Most shin splints heal with rest and a slow return to running.",
            "Most shin splints heal with rest and a slow return to running.",
        ),
        (
            "Medically reviewed by Jane Doe, MD \u2014 Written by Tom Lee | Gentle walking helps most people with "
            "low back pain.",
            "Gentle walking helps most people with low back pain.",
        ),
        ("Posted on 4 April 2019 by admin Keep your knees soft when you land.", "Keep your knees soft when you land."),
        ("ADVERTISEMENT Stretch your calves gently before every run.", "Stretch your calves gently before every run."),
        ("Advertisement Many people find relief with heat.", "Many people find relief with heat."),
        (
            "March 3, 2024 Gentle walking is safe for most people with arthritis.",
            "Gentle walking is safe for most people with arthritis.",
        ),
        ("Updated on June 1, 2022 Heat wraps may help ease muscle spasms.", "Heat wraps may help ease muscle spasms."),
        (
            "used as a substitute for professional medical advice, The most common cause is strain.",
            "The most common cause is strain.",
        ),
        ("Rest the joint for two days, Share on Facebook", "Rest the joint for two days"),
    ],
)
def test_glued_site_text_is_cut_off_a_real_sentence(text: str, kept: str) -> None:
    assert boilerplate_reason(text) in GLUED_REASONS
    trimmed = trim_boilerplate(text)
    assert trimmed is not None
    start, end = trimmed
    assert text[start:end] == kept


@pytest.mark.parametrize(
    "text",
    [
        # A page title glued after a byline is boilerplate too.
        "By Jane Smith, PT, DPT | Updated March 3, 2024 Knee Pain: 7 Causes and Treatments",
        "By John Roe, MD Updated on 12 May 2023 Shin Splints: What to Know",
        "Published: 4 May 2021 Back Pain - causes and relief.",
        "Published: 12 June 2019 Knee care.",
        "Written by Maria Gomez, RD \u00b7 6 min read",
        "All rights reserved, Copyright 2020.",
        "ADVERTISEMENT How to Choose the Right Running Shoes",
        "By Jane Smith, PT | Updated March 3, 2024 7 Stretches for Tight Hips",
        "Medically reviewed by Jane Doe, MD \u2014 Written by \u2026",
    ],
)
def test_glued_site_text_without_a_sentence_is_dropped_whole(text: str) -> None:
    assert boilerplate_reason(text) is not None
    assert trim_boilerplate(text) is None


def test_chunker_keeps_the_sentence_after_a_glued_byline_at_its_offsets() -> None:
    text = (
        "Knee pain is common in runners. By Jane Smith, PT | Updated March 3, 2024 Ice can calm a sore knee. "
        "By John Roe, MD Updated on 12 May 2023 Shin Splints: What to Know Rest helps. "
        "Share | Tweet | Pin | Email"
    )
    sentences = chunk_document(Document("x.txt", text, "0"))
    for sentence in sentences:
        assert text[sentence.span.start : sentence.span.end] == sentence.span.text
    kept = [s.span.text for s in sentences if s.searchable]
    assert kept == ["Knee pain is common in runners.", "Ice can calm a sore knee."]
    ice = next(s for s in sentences if s.span.text == "Ice can calm a sore knee.")
    assert ice.span.start == text.index("Ice can")
    reasons = [s.boilerplate for s in sentences if not s.searchable]
    assert reasons == ["byline", "social"]
