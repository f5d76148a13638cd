"""Learner journeys, honest and cheating, driven fast by the platform's test clock."""
