"""Certificates of attendance: the rule a training sets, the certificates issued under
it (numbered, printable as PDF), their public verification page and revocation."""
