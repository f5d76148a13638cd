"""A second, differently structured learner front end over the reference platform's API."""
