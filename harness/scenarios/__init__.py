"""Learner journeys, honest and cheating: a later slice."""
