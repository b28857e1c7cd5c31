package org.citykit

import java.io.File
import java.util.Locale
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.junit.jupiter.api.io.TempDir

/** Errors crossing the boundary: typed exceptions with stable codes, and panics that never crash. */
class ErrorsTest {
    @Test
    fun `a wrong store key is CityKitException Store with code store_wrong_key`(@TempDir dir: File) = citykitTest {
        CityKit.open(offlineConfig(dir), fixedKey(0xA1)).use { assertNull(it.account()) }

        val e = assertFailsWith<CityKitException.Store> { CityKit.open(offlineConfig(dir), fixedKey(0xB2)) }
        assertEquals("store.wrong_key", e.code)

        // The layer's extensions read the same fields from the sealed base type.
        val base: CityKitException = e
        assertEquals("store.wrong_key", base.code)
        assertTrue(base.messageEn.isNotBlank() && base.messageZh.isNotBlank() && base.details.isNotBlank())
        assertEquals(base.messageZh, base.userMessage(Locale.SIMPLIFIED_CHINESE))
        assertEquals(base.messageEn, base.userMessage(Locale.UK))

        // The store was not touched: the right key still opens it.
        CityKit.open(offlineConfig(dir), fixedKey(0xA1)).use { assertNull(it.account()) }
    }

    @Test
    fun `a wrong passphrase is store_wrong_key too`(@TempDir dir: File) = citykitTest {
        CityKit.open(offlineConfig(dir), passphraseKeyProvider(dir.path, "right passphrase")).close()
        val e = assertFailsWith<CityKitException.Store> {
            CityKit.open(offlineConfig(dir), passphraseKeyProvider(dir.path, "wrong passphrase"))
        }
        assertEquals("store.wrong_key", e.code)
    }

    @Test
    fun `a key provider that throws is store_key_unavailable`(@TempDir dir: File) = citykitTest {
        val locked = KeyProvider { throw IllegalStateException("the keystore is locked") }
        val e = assertFailsWith<CityKitException.Store> { CityKit.open(offlineConfig(dir), locked) }
        assertEquals("store.key_unavailable", e.code)
    }

    @Test
    fun `a panic inside the core is CityKitException Internal and the JVM keeps running`(@TempDir dir: File) = citykitTest {
        CityKit.open(offlineConfig(dir), fixedKey(0x5A)).use { client ->
            repeat(2) {
                val e = assertFailsWith<CityKitException.Internal> { client.debugPanic() }
                assertEquals("internal", e.code)
            }
            // The client, its runtime and this process are all still usable.
            assertEquals(LoginState.LoggedOut, client.loginState())
            assertNull(client.account())
        }
        CityKit.open(offlineConfig(File(dir, "again")), fixedKey(0x5B)).use { assertNull(it.account()) }
    }
}
