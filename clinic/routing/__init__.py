"""Routing a submitted intake (`record`), each referral's follow-up (`follow_up`), and the
`flask routing` commands (`cli`). The decision itself is the pure `referrals` package."""
