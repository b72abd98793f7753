"""Participants on their own phones: self-registration for a training by a public
link or QR code, staff review of those registrations, and daily check-in."""
