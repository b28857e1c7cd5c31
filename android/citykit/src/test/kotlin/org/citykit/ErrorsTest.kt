package org.citykit

import java.io.File
import java.util.Locale
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.citykit.core.ErrorDomain
import org.citykit.core.Language
import org.citykit.core.LoginState
import org.junit.jupiter.api.io.TempDir

/** The one error object crossing the boundary, with stable codes, and panics that never crash. */
class ErrorsTest {
    @Test
    fun `a wrong store key is CityKitException with code store_wrong_key in domain STORE`(@TempDir dir: File) = citykitTest {
        CityKit.open(offlineConfig(dir), fixedKey(0xA1)).use { assertNull(it.identity().account()) }

        // No per-domain subclass or `when`: every error is read the same way.
        val e = assertFailsWith<CityKitException> { CityKit.open(offlineConfig(dir), fixedKey(0xB2)) }
        assertEquals("store.wrong_key", e.code())
        assertEquals(ErrorDomain.STORE, e.domain())
        val (zh, en) = e.message(Language.ZH) to e.message(Language.EN)
        assertTrue(zh.isNotBlank() && en.isNotBlank() && e.details().isNotBlank())
        assertNotEquals(zh, en)
        assertEquals(zh, e.userMessage(Locale.SIMPLIFIED_CHINESE))
        assertEquals(en, e.userMessage(Locale.UK))
        assertEquals("store.wrong_key: $en", e.toString())

        // The store was not touched: the right key still opens it.
        CityKit.open(offlineConfig(dir), fixedKey(0xA1)).use { assertNull(it.identity().account()) }
    }

    @Test
    fun `a wrong passphrase is store_wrong_key too`(@TempDir dir: File) = citykitTest {
        CityKit.open(offlineConfig(dir), passphraseKeyProvider(dir.path, "right passphrase")).close()
        val e = assertFailsWith<CityKitException> {
            CityKit.open(offlineConfig(dir), passphraseKeyProvider(dir.path, "wrong passphrase"))
        }
        assertEquals("store.wrong_key", e.code())
    }

    @Test
    fun `a panic inside the core is CityKitException internal and the JVM keeps running`(@TempDir dir: File) = citykitTest {
        CityKit.open(offlineConfig(dir), fixedKey(0x5A)).use { client ->
            repeat(2) {
                val e = assertFailsWith<CityKitException> { client.debugPanic() }
                assertEquals("internal", e.code())
                assertEquals(ErrorDomain.INTERNAL, e.domain())
            }
            // The client, its runtime and this process are all still usable.
            assertEquals(LoginState.LoggedOut, client.identity().loginState())
            assertNull(client.identity().account())
        }
        CityKit.open(offlineConfig(File(dir, "again")), fixedKey(0x5B)).use { assertNull(it.identity().account()) }
    }
}
