//! `#[export]`: `#[uniffi::export]` for CityKit's UniFFI face, with every `async fn` run on the
//! library's own tokio runtime by construction.
//!
//! A foreign caller (a Kotlin coroutine, a Swift task, asyncio) polls the future UniFFI hands it
//! on its own thread, where no tokio runtime is running: a core call that needs tokio would fail
//! with "there is no reactor running" (uniffi-rs #2223, matrix-rust-sdk #4089). This attribute
//! rewrites each `async fn` so that its body runs inside `crate::runtime::run`, which spawns it on
//! the face's runtime, aborts it when the foreign future is dropped (a cancelled coroutine or
//! task) and turns a panic into an internal error. The body returns the core's
//! `citykit_core::Result<T>`; the function declares the face's `ApiResult<T>`.
//!
//! For a method, `&self` becomes `self: Arc<Self>` (the spawned body must own what it uses);
//! arguments must be owned values for the same reason. Functions that are not `async` are
//! passed to `#[uniffi::export]` unchanged.

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, parse_quote, Block, FnArg, ImplItem, Item, Signature};

/// See the crate docs. Arguments (e.g. `Display`, `with_foreign`) are passed to `#[uniffi::export]`.
#[proc_macro_attribute]
pub fn export(attr: TokenStream, item: TokenStream) -> TokenStream {
    let attr = proc_macro2::TokenStream::from(attr);
    let mut item = parse_macro_input!(item as Item);
    let result = match &mut item {
        Item::Fn(f) => on_runtime(&mut f.sig, &mut f.block, false),
        Item::Impl(block) => block.items.iter_mut().try_for_each(|member| match member {
            ImplItem::Fn(f) => on_runtime(&mut f.sig, &mut f.block, true),
            _ => Ok(()),
        }),
        other => Err(syn::Error::new_spanned(other, "#[export] goes on a function or an impl block")),
    };
    match result {
        Ok(()) => quote! { #[::uniffi::export(#attr)] #item }.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Rewrites one `async fn` to run its body on the runtime (see the crate docs).
fn on_runtime(sig: &mut Signature, block: &mut Block, is_method: bool) -> syn::Result<()> {
    if sig.asyncness.is_none() {
        return Ok(());
    }
    if is_method {
        if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
            if receiver.reference.is_some() && receiver.mutability.is_none() {
                // `&self` -> `self: Arc<Self>`: the body is spawned, so it must own the object.
                sig.inputs[0] = parse_quote! { self: ::std::sync::Arc<Self> };
            } else if receiver.reference.is_some() || receiver.colon_token.is_none() {
                return Err(syn::Error::new_spanned(receiver, "an exported async method takes `&self` or `self: Arc<Self>`"));
            }
        }
    }
    let body = &*block;
    *block = parse_quote! {{
        crate::runtime::run(async move #body).await
    }};
    Ok(())
}
