// Personal data as it leaves the core: a name, an ID number, a licence's claims (JSON text).
// The generated records hold it as Personal<String> (core/uniffi.toml maps the core's
// PersonalString and PersonalJson here; the generated code calls Personal(x) and x.expose()).

package org.citykit

/**
 * A value that is personal data. `toString()` prints [REDACTED], so logging a record that holds
 * one (an `Account`, a `FilledForm`, a `Licence`…) never shows the value; read it with [expose]
 * only where it is shown to the person or sent on purpose. Equal when the values are equal.
 */
class Personal<T>(private val value: T) {
    /** The value itself: show it, never log it. */
    fun expose(): T = value

    override fun toString(): String = REDACTED

    override fun equals(other: Any?): Boolean = other is Personal<*> && other.value == value

    override fun hashCode(): Int = value?.hashCode() ?: 0

    companion object {
        /** What `toString()` prints instead of the value (the same in Swift and Python). */
        const val REDACTED: String = "\u2039redacted\u203A"
    }
}
