"""The two paper forms (R and S) and their closed vocabularies, as data.

Shared by the sample generator (which draws the forms) and the recognizer
(which reads them), so that both follow ``shared/forms/FORMS.md`` from one place.
"""
