use campaigns_core::catalog::{ProductId, product};
use campaigns_core::money::Cents;
use campaigns_core::team::{MAX_TEAM_MEMBERS, MIN_TEAM_MEMBERS, TeamError, split_shares};
use proptest::prelude::*;

fn team_price() -> Cents {
    product(ProductId::TeamFull6Months).price.unwrap()
}

#[test]
fn three_members_split_the_team_plan_leader_first() {
    assert_eq!(
        split_shares(team_price(), 3).unwrap(),
        vec![Cents(9967), Cents(9967), Cents(9966)]
    );
}

#[test]
fn every_allowed_team_size_splits_the_team_plan() {
    assert_eq!(
        split_shares(team_price(), 2).unwrap(),
        vec![Cents(14_950); 2]
    );
    assert_eq!(split_shares(team_price(), 4).unwrap(), vec![Cents(7475); 4]);
    assert_eq!(split_shares(team_price(), 5).unwrap(), vec![Cents(5980); 5]);
}

#[test]
fn odd_cents_go_to_the_first_members() {
    assert_eq!(
        split_shares(Cents(1003), 4).unwrap(),
        vec![Cents(251), Cents(251), Cents(251), Cents(250)]
    );
    assert_eq!(split_shares(Cents(1), 2).unwrap(), vec![Cents(1), Cents(0)]);
}

#[test]
fn team_size_limits_from_both_sides() {
    assert_eq!(MIN_TEAM_MEMBERS, 2);
    assert_eq!(MAX_TEAM_MEMBERS, 5);
    let too_small = split_shares(team_price(), 1).unwrap_err();
    assert_eq!(too_small, TeamError::TooSmall(1));
    assert_eq!(too_small.code(), "TEAM_TOO_SMALL");
    assert_eq!(
        split_shares(team_price(), 0).unwrap_err().code(),
        "TEAM_TOO_SMALL"
    );
    assert!(split_shares(team_price(), 2).is_ok());
    assert!(split_shares(team_price(), 5).is_ok());
    let too_large = split_shares(team_price(), 6).unwrap_err();
    assert_eq!(too_large, TeamError::TooLarge(6));
    assert_eq!(too_large.code(), "TEAM_TOO_LARGE");
    assert!(too_large.to_string().contains("at most 5"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn shares_add_up_and_differ_by_at_most_a_cent(
        total in 0i64..100_000_000_000,
        members in MIN_TEAM_MEMBERS..=MAX_TEAM_MEMBERS,
    ) {
        let shares = split_shares(Cents(total), members).unwrap();
        prop_assert_eq!(shares.len(), members);
        prop_assert_eq!(shares.iter().copied().sum::<Cents>(), Cents(total));
        let max = shares.iter().max().unwrap().0;
        let min = shares.iter().min().unwrap().0;
        prop_assert!(max - min <= 1);
        // Leader first: never a smaller share before a larger one.
        prop_assert!(shares.windows(2).all(|pair| pair[0] >= pair[1]));
    }
}
