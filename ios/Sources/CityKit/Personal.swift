// Personal data (a name, an ID number, a licence's claims, a form's values) as the generated
// records hold it: the core's `Personal<T>` arrives here (core/uniffi.toml maps PersonalString
// and PersonalJson to `Personal<String>`; the generated code calls `Personal(x)` and `x.expose()`).

/// A personal value that never shows itself: `print`, string interpolation, `String(reflecting:)`,
/// `dump` and `Mirror` all see "‹redacted›", so logging a record that holds one (an `Account`, a
/// `FilledForm`, a `Licence`) leaks nothing. Read the value on purpose with `expose()`.
public struct Personal<Value> {
    private let value: Value

    public init(_ value: Value) {
        self.value = value
    }

    /// The value itself. Show it to its owner; never log it.
    public func expose() -> Value {
        value
    }
}

extension Personal: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "‹redacted›" }
    public var debugDescription: String { "‹redacted›" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension Personal: Equatable where Value: Equatable {}
extension Personal: Hashable where Value: Hashable {}
extension Personal: Sendable where Value: Sendable {}
