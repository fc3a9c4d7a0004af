//! AWS IoT Button: one press.

use super::view::event_struct;

event_struct! {
    /// One press of an IoT button.
    pub struct IoTButtonEvent<'de> {
        /// The button's serial number.
        "serialNumber" => pub serial_number: Option<&'de str>,
        /// `SINGLE`, `DOUBLE` or `LONG`.
        "clickType" => pub click_type: Option<&'de str>,
        /// The battery's voltage, as text (`2000 mV`).
        "batteryVoltage" => pub battery_voltage: Option<&'de str>,
    }
}
