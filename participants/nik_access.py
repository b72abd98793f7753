"""Who may see, search by and confirm a NIK: the one rule every page asks.

Full NIKs are for users with ``NIK_PERMISSION`` (coordinators and admins);
programme staff see them masked (``Participant.nik_masked``). Masking is not
enough: a page that *finds* people by NIK tells whoever types a guess whether it
is right, so staff could learn a NIK digit by digit, or pair a NIK with its owner
("NIK oracle", issue 17). Hence, for a user who may not see full NIKs:

- a search ignores NIK digits (``ParticipantQuerySet.search(by_nik=False)``): the
  results are the same as for the query without them;
- the identity rule is asked without the NIK typed (``nik_for_matching``): the
  same people are shown, for the same reasons, as if the NIK box or cell were
  empty. Leaving out only the matches that rest on the NIK alone is not enough:
  two different NIKs are two people, so typing a person's name and phone with a
  guessed NIK would show her only when the guess is right ("same NIK, same
  phone, same name") and confirm it;
- a person found that way is enrolled as she is: the NIK typed is not written
  onto her.

What stays, by design: NIKs are unique, so a user who may type a NIK (a new
person, an import, a registration) is told when a full 16-digit NIK is already
taken, with the same words whoever holds it ("Another participant already has
this NIK."), never by whom. That is one exact guess per form sent, never a digit
at a time, and it leaves a trace (history, the upload).
"""

#: The permission that shows full NIKs and allows finding people by NIK.
NIK_PERMISSION = "participants.export_personal_data"


def may_see_nik(user) -> bool:
    """Whether ``user`` (a User, AnonymousUser or None) may see full NIKs and find
    people by NIK: coordinators and admins (``NIK_PERMISSION``)."""
    return user is not None and user.has_perm(NIK_PERMISSION)


def nik_for_matching(nik: str, *, nik_visible: bool) -> str:
    """The NIK typed (``nik``, a str) as the identity rule may compare it for a
    user: unchanged when ``nik_visible`` (``may_see_nik``), else "" (the matches
    and their reasons must not depend on a NIK the user may not see)."""
    return nik if nik_visible else ""
