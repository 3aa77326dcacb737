//! Splitting a team plan's price into members' shares.
//!
//! Each member authorizes their own share, and the shares must add up to the
//! plan price exactly, so the split is done in whole cents and the leftover
//! cents go one each to the first members. The leader is member 0, so the
//! leader pays the largest share: $299.00 / 3 = 99.67 + 99.67 + 99.66.

use thiserror::Error;

use crate::money::Cents;

pub const MIN_TEAM_MEMBERS: usize = 2;
pub const MAX_TEAM_MEMBERS: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TeamError {
    #[error("a team needs at least {MIN_TEAM_MEMBERS} members, including the leader; got {0}")]
    TooSmall(usize),
    #[error("a team has at most {MAX_TEAM_MEMBERS} members, including the leader; got {0}")]
    TooLarge(usize),
}

impl TeamError {
    pub fn code(&self) -> &'static str {
        match self {
            TeamError::TooSmall(_) => "TEAM_TOO_SMALL",
            TeamError::TooLarge(_) => "TEAM_TOO_LARGE",
        }
    }
}

/// Each member's share of `total`, leader first. The shares sum to `total`
/// and differ by at most one cent.
pub fn split_shares(total: Cents, members: usize) -> Result<Vec<Cents>, TeamError> {
    if members < MIN_TEAM_MEMBERS {
        return Err(TeamError::TooSmall(members));
    }
    if members > MAX_TEAM_MEMBERS {
        return Err(TeamError::TooLarge(members));
    }
    // `members` is at most MAX_TEAM_MEMBERS, so the cast is exact.
    let count = members as i64;
    let base = total.0.div_euclid(count);
    let leftover = total.0.rem_euclid(count);
    Ok((0..count)
        .map(|index| Cents(base + i64::from(index < leftover)))
        .collect())
}
