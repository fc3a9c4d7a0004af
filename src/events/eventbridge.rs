//! Amazon EventBridge (and CloudWatch Events, the same envelope): the `detail` as the user's
//! own type `D` (any [`FromValue`] type, or a serde type through [`Serde`](super::Serde)), or
//! by default the borrowed JSON [`Value`].

use crate::json::{Kind, Value};

use super::view::key_is;
use super::view::member;
use super::{FromValue, Mismatch, Seq};

/// An EventBridge event. `D` is the `detail`: [`Value`] by default, or the user's own type.
#[derive(Clone, Copy, Debug)]
pub struct EventBridgeEvent<'t, 'de, D = Value<'t, 'de>> {
    /// `0`.
    pub version: Option<&'de str>,
    /// The event's unique id.
    pub id: Option<&'de str>,
    /// `detail-type`: what kind of event (`Scheduled Event`, `EC2 Instance State-change
    /// Notification`, ...).
    pub detail_type: &'de str,
    /// The service or application that sent it (`aws.events`, `com.example.orders`).
    pub source: &'de str,
    /// The account id.
    pub account: Option<&'de str>,
    /// When it happened, ISO 8601 (`2017-12-22T18:43:48Z`).
    pub time: Option<&'de str>,
    /// The region.
    pub region: Option<&'de str>,
    /// The ARNs of the resources involved.
    pub resources: Seq<'t, 'de, &'de str>,
    /// The event's own data.
    pub detail: D,
}

/// The [`EventBridgeEvent`] of CloudWatch Events, its former name.
pub type CloudWatchEvent<'t, 'de, D = Value<'t, 'de>> = EventBridgeEvent<'t, 'de, D>;

impl<'t, 'de, D: FromValue<'t, 'de>> FromValue<'t, 'de> for EventBridgeEvent<'t, 'de, D> {
    fn from_value(value: Value<'t, 'de>) -> Result<Self, Mismatch> {
        if value.kind() != Kind::Object {
            return Err(Mismatch::expected("an object", value));
        }
        let mut slots: [Option<Value<'t, 'de>>; 9] = [None; 9];
        for (key, v) in value.members() {
            let at = if key_is(key, "version") {
                0
            } else if key_is(key, "id") {
                1
            } else if key_is(key, "detail-type") {
                2
            } else if key_is(key, "source") {
                3
            } else if key_is(key, "account") {
                4
            } else if key_is(key, "time") {
                5
            } else if key_is(key, "region") {
                6
            } else if key_is(key, "resources") {
                7
            } else if key_is(key, "detail") {
                8
            } else {
                continue;
            };
            if slots[at].is_none() {
                slots[at] = Some(v);
            }
        }
        const OWNER: &str = "EventBridgeEvent";
        Ok(EventBridgeEvent {
            version: member(slots[0], OWNER, "version")?,
            id: member(slots[1], OWNER, "id")?,
            detail_type: member(slots[2], OWNER, "detail-type")?,
            source: member(slots[3], OWNER, "source")?,
            account: member(slots[4], OWNER, "account")?,
            time: member(slots[5], OWNER, "time")?,
            region: member(slots[6], OWNER, "region")?,
            resources: member(slots[7], OWNER, "resources")?,
            detail: member(slots[8], OWNER, "detail")?,
        })
    }
}
