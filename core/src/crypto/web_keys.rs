//! Keys in the browser (wasm32 only): the page's stand-in for the phone's keystore.
//!
//! - The device key ([`WebDeviceKey`]): a WebCrypto ECDSA P-256 key pair generated
//!   non-extractable, so no script (the page's or the SDK's) can ever read the private key; the
//!   browser keeps the `CryptoKey` itself in the origin's IndexedDB (a structured clone keeps it
//!   non-extractable) and signs with it. One per persisted store name; an in-memory client gets
//!   one that lives only as long as the page.
//! - The store key kept by the SDK ([`wrapped_store_key`]), for pages that do not provide one:
//!   32 random bytes, kept in IndexedDB only encrypted (AES-256-GCM) by a non-extractable
//!   WebCrypto key stored next to it. Unwrapped in the Worker for SQLCipher's `PRAGMA key`, the
//!   clear key exists only in the SDK's memory (zeroized after use) and in SQLCipher's.
//!
//! WebCrypto's answers are Promises and its `CryptoKey`s are JavaScript objects (not `Send`), so
//! each operation runs as a task of its own on the page's event loop
//! ([`crate::platform::spawn_local`]) and the keys stay in a registry on that thread; the core
//! holds a handle. IndexedDB is reached as `indexedDB` of the global scope (a Worker's or a
//! window's); where it is missing or refused (an opaque origin) the operation is `Unavailable`.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use zeroize::Zeroizing;

use super::device_key::{DeviceKeyError, DevicePublicKey};
use crate::store::{KeyProviderError, StoreKey};

/// The IndexedDB database and object store the keys live in.
const DATABASE: &str = "citykit-keys";
const OBJECT_STORE: &str = "keys";

thread_local! {
    /// The device keys of this Worker, by handle (a `CryptoKey` cannot leave its thread).
    static DEVICE_KEYS: RefCell<HashMap<u32, web_sys::CryptoKey>> = RefCell::new(HashMap::new());
    static NEXT_HANDLE: RefCell<u32> = const { RefCell::new(1) };
}

/// What a JavaScript exception said, without the value that caused it.
fn js_reason(what: &str, error: &JsValue) -> String {
    let name = Reflect::get(error, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_else(|| "Error".into());
    format!("{what} failed ({name})")
}

fn global_property(name: &str) -> Option<JsValue> {
    Reflect::get(&js_sys::global(), &name.into()).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

fn subtle() -> Result<web_sys::SubtleCrypto, String> {
    let crypto: web_sys::Crypto = global_property("crypto").and_then(|c| c.dyn_into().ok()).ok_or("WebCrypto is not available here")?;
    Ok(crypto.subtle())
}

fn object(entries: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (key, value) in entries {
        let _ = Reflect::set(&object, &(*key).into(), value);
    }
    object
}

/// Waits for an IndexedDB request: its result, or its error's name.
async fn request_done(request: &web_sys::IdbRequest) -> Result<JsValue, String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let done = request.clone();
        let on_success = Closure::once_into_js(move |_event: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::UNDEFINED));
        });
        let failed = request.clone();
        let on_error = Closure::once_into_js(move |_event: JsValue| {
            let error = failed.error().ok().flatten().map(JsValue::from).unwrap_or(JsValue::NULL);
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(|e| js_reason("IndexedDB", &e))
}

/// Opens the keys' database, creating its object store on first use.
async fn open_database() -> Result<web_sys::IdbDatabase, String> {
    let factory: web_sys::IdbFactory = global_property("indexedDB")
        .and_then(|f| f.dyn_into().ok())
        .ok_or("IndexedDB is not available here (an opaque origin or an old web view)")?;
    let request = factory.open_with_u32(DATABASE, 1).map_err(|e| js_reason("opening IndexedDB", &e))?;
    let upgrading = request.clone();
    let on_upgrade = Closure::once_into_js(move |_event: JsValue| {
        if let Ok(db) = upgrading.result().and_then(|r| r.dyn_into::<web_sys::IdbDatabase>()) {
            if !db.object_store_names().contains(OBJECT_STORE) {
                let _ = db.create_object_store(OBJECT_STORE);
            }
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let db = request_done(&request).await?;
    db.dyn_into().map_err(|_| "IndexedDB answered something that is not a database".into())
}

async fn idb_get(db: &web_sys::IdbDatabase, key: &str) -> Result<Option<JsValue>, String> {
    let tx = db.transaction_with_str(OBJECT_STORE).map_err(|e| js_reason("an IndexedDB read", &e))?;
    let store = tx.object_store(OBJECT_STORE).map_err(|e| js_reason("an IndexedDB read", &e))?;
    let request = store.get(&key.into()).map_err(|e| js_reason("an IndexedDB read", &e))?;
    Ok(Some(request_done(&request).await?).filter(|v| !v.is_undefined()))
}

async fn idb_put(db: &web_sys::IdbDatabase, key: &str, value: &JsValue) -> Result<(), String> {
    let tx = db
        .transaction_with_str_and_mode(OBJECT_STORE, web_sys::IdbTransactionMode::Readwrite)
        .map_err(|e| js_reason("an IndexedDB write", &e))?;
    let store = tx.object_store(OBJECT_STORE).map_err(|e| js_reason("an IndexedDB write", &e))?;
    let request = store.put_with_key(value, &key.into()).map_err(|e| js_reason("an IndexedDB write", &e))?;
    request_done(&request).await.map(|_| ())
}

async fn idb_delete(db: &web_sys::IdbDatabase, key: &str) -> Result<(), String> {
    let tx = db
        .transaction_with_str_and_mode(OBJECT_STORE, web_sys::IdbTransactionMode::Readwrite)
        .map_err(|e| js_reason("an IndexedDB delete", &e))?;
    let store = tx.object_store(OBJECT_STORE).map_err(|e| js_reason("an IndexedDB delete", &e))?;
    let request = store.delete(&key.into()).map_err(|e| js_reason("an IndexedDB delete", &e))?;
    request_done(&request).await.map(|_| ())
}

fn get_key(holder: &JsValue, name: &str) -> Option<web_sys::CryptoKey> {
    Reflect::get(holder, &name.into()).ok().and_then(|k| k.dyn_into().ok())
}

/// The device key of a page: a non-extractable WebCrypto P-256 key (see the module docs).
#[derive(Debug, Clone)]
pub struct WebDeviceKey {
    handle: u32,
    public: DevicePublicKey,
}

impl WebDeviceKey {
    /// The device key of the persisted store `store_name` (kept in IndexedDB, created on first
    /// use), or with `None` a key for an in-memory client that is never kept.
    pub async fn load_or_create(store_name: Option<String>) -> Result<Self, DeviceKeyError> {
        crate::platform::spawn_local(Self::load_or_create_here(store_name))
            .await
            .map_err(|e| DeviceKeyError::Unavailable { reason: e.to_string() })?
            .map_err(|reason| DeviceKeyError::Unavailable { reason })
    }

    async fn load_or_create_here(store_name: Option<String>) -> Result<Self, String> {
        let subtle = subtle()?;
        let record_key = store_name.map(|name| format!("device:{name}"));
        let db = match &record_key {
            Some(_) => Some(open_database().await?),
            None => None,
        };
        let stored = match (&db, &record_key) {
            (Some(db), Some(key)) => idb_get(db, key).await?,
            _ => None,
        };
        let pair = match stored {
            Some(pair) => pair,
            None => {
                let params = object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())]);
                let usages = Array::of2(&"sign".into(), &"verify".into());
                let promise =
                    subtle.generate_key_with_object(&params, false, &usages).map_err(|e| js_reason("generating the device key", &e))?;
                let pair = JsFuture::from(promise).await.map_err(|e| js_reason("generating the device key", &e))?;
                if let (Some(db), Some(key)) = (&db, &record_key) {
                    idb_put(db, key, &pair).await?;
                    tracing::info!("created a new device key (WebCrypto, non-extractable)");
                }
                pair
            }
        };
        let (Some(private), Some(public)) = (get_key(&pair, "privateKey"), get_key(&pair, "publicKey")) else {
            return Err("the stored device key is unreadable".into());
        };
        if private.extractable() {
            return Err("the stored device key is extractable; refusing to use it".into());
        }
        let exported = subtle.export_key("raw", &public).map_err(|e| js_reason("reading the device's public key", &e))?;
        let raw = JsFuture::from(exported).await.map_err(|e| js_reason("reading the device's public key", &e))?;
        let public = DevicePublicKey(Uint8Array::new(&raw).to_vec());
        let handle = NEXT_HANDLE.with(|next| {
            let mut next = next.borrow_mut();
            let handle = *next;
            *next = next.wrapping_add(1);
            handle
        });
        DEVICE_KEYS.with(|keys| keys.borrow_mut().insert(handle, private));
        Ok(Self { handle, public })
    }

    /// The public key (uncompressed SEC1 point).
    pub fn public_key(&self) -> DevicePublicKey {
        self.public.clone()
    }

    /// An ES256 signature (`r || s`, 64 bytes: WebCrypto's ECDSA output is already that form).
    pub async fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, DeviceKeyError> {
        let handle = self.handle;
        crate::platform::spawn_local(async move {
            let key = DEVICE_KEYS.with(|keys| keys.borrow().get(&handle).cloned()).ok_or("the device key is gone")?;
            let params = object(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())]);
            let promise = subtle()?.sign_with_object_and_u8_array(&params, &key, &message).map_err(|e| js_reason("signing", &e))?;
            let signature = JsFuture::from(promise).await.map_err(|e| js_reason("signing", &e))?;
            Ok::<_, String>(Uint8Array::new(&signature).to_vec())
        })
        .await
        .map_err(|e| DeviceKeyError::SigningFailed { reason: e.to_string() })?
        .map_err(|reason| DeviceKeyError::SigningFailed { reason })
    }
}

/// The key of the persisted store `store_name`, kept by the SDK wrapped by a non-extractable
/// WebCrypto AES-GCM key in IndexedDB (see the module docs); created on first use. Where
/// IndexedDB or WebCrypto is missing, or the wrapped key does not unwrap, `Unavailable`.
pub async fn wrapped_store_key(store_name: &str) -> Result<StoreKey, KeyProviderError> {
    let record_key = format!("store:{store_name}");
    let bytes = crate::platform::spawn_local(async move { unwrap_or_create(&record_key).await })
        .await
        .map_err(|e| KeyProviderError::Unavailable { reason: e.to_string() })?
        .map_err(|reason| KeyProviderError::Unavailable { reason })?;
    StoreKey::from_bytes(&bytes)
}

/// Forgets the wrapped store key and the device key of `store_name` (after the store is wiped).
pub async fn forget_keys(store_name: &str) -> Result<(), KeyProviderError> {
    let name = store_name.to_owned();
    crate::platform::spawn_local(async move {
        let db = open_database().await?;
        idb_delete(&db, &format!("store:{name}")).await?;
        idb_delete(&db, &format!("device:{name}")).await
    })
    .await
    .map_err(|e| KeyProviderError::Unavailable { reason: e.to_string() })?
    .map_err(|reason| KeyProviderError::Unavailable { reason })
}

const STORE_KEY_LEN: usize = 32;
const IV_LEN: usize = 12;

async fn unwrap_or_create(record_key: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let subtle = subtle()?;
    let db = open_database().await?;
    let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
    if let Some(record) = idb_get(&db, record_key).await? {
        let wrapping = get_key(&record, "wrappingKey").ok_or("the wrapped store key is unreadable")?;
        let iv: Uint8Array =
            Reflect::get(&record, &"iv".into()).ok().and_then(|v| v.dyn_into().ok()).ok_or("the wrapped store key is unreadable")?;
        let wrapped: Uint8Array =
            Reflect::get(&record, &"wrapped".into()).ok().and_then(|v| v.dyn_into().ok()).ok_or("the wrapped store key is unreadable")?;
        let params = object(&[("name", "AES-GCM".into()), ("iv", iv.into())]);
        let promise = subtle
            .decrypt_with_object_and_buffer_source(&params, &wrapping, &wrapped)
            .map_err(|e| js_reason("unwrapping the store key", &e))?;
        let clear = Uint8Array::new(&JsFuture::from(promise).await.map_err(|e| js_reason("unwrapping the store key", &e))?);
        let bytes = Zeroizing::new(clear.to_vec());
        clear.fill(0, 0, clear.length());
        if bytes.len() != STORE_KEY_LEN {
            return Err("the unwrapped store key has the wrong length".into());
        }
        return Ok(bytes);
    }
    let mut bytes = Zeroizing::new(vec![0u8; STORE_KEY_LEN]);
    let mut iv = [0u8; IV_LEN];
    {
        use ring::rand::SecureRandom as _;
        let rng = ring::rand::SystemRandom::new();
        rng.fill(&mut bytes).map_err(|_| "no secure random source")?;
        rng.fill(&mut iv).map_err(|_| "no secure random source")?;
    }
    let params = object(&[("name", "AES-GCM".into()), ("length", 256.into())]);
    let promise = subtle.generate_key_with_object(&params, false, &usages).map_err(|e| js_reason("creating the wrapping key", &e))?;
    let wrapping: web_sys::CryptoKey = JsFuture::from(promise)
        .await
        .map_err(|e| js_reason("creating the wrapping key", &e))?
        .dyn_into()
        .map_err(|_| "WebCrypto answered something that is not a key")?;
    let iv = Uint8Array::from(&iv[..]);
    let params = object(&[("name", "AES-GCM".into()), ("iv", iv.clone().into())]);
    let clear = Uint8Array::from(&bytes[..]);
    let promise =
        subtle.encrypt_with_object_and_buffer_source(&params, &wrapping, &clear).map_err(|e| js_reason("wrapping the store key", &e))?;
    clear.fill(0, 0, clear.length());
    let wrapped = Uint8Array::new(&JsFuture::from(promise).await.map_err(|e| js_reason("wrapping the store key", &e))?);
    let record = object(&[("wrappingKey", wrapping.into()), ("iv", iv.into()), ("wrapped", wrapped.into())]);
    idb_put(&db, record_key, &record).await?;
    tracing::info!("created a new store key, wrapped by a non-extractable WebCrypto key");
    Ok(bytes)
}
