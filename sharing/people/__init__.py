"""People: accounts, their region (R3) and proved phone and email (R10), the invitations an
address claims once proved, and what an owner types to name a recipient."""
