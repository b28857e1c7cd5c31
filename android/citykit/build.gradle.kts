// The CityKit Android library: the UniFFI-generated Kotlin (src/main/kotlin/org/citykit/citykit_ffi.kt
// and core/citykit_core.kt, from `cargo xtask bindings --release`), the hand-written Personal.kt and
// idiomatic layer (CityKit.kt), and libcitykit_ffi.so per ABI (src/main/jniLibs/<abi>/, from
// cargo-ndk). README.md says how to produce each.
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

val jnaVersion = "5.13.0"
val coroutinesVersion = "1.8.1"
val junitVersion = "5.9.2"
val junitPlatformVersion = "1.9.2"

// The host build of the Rust library and simulator, for the JVM unit tests (repo-root target/).
val hostTargetDir = System.getenv("CARGO_TARGET_DIR")?.let { file(it) } ?: rootDir.resolve("../target")

android {
    namespace = "org.citykit"
    compileSdk = 35

    defaultConfig {
        // Keep in step with cargo-ndk's --platform (README.md).
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    // src/main/kotlin and src/main/jniLibs/<abi>/ are the default source folders; named here so
    // nobody wonders where the generated code and the .so files go.
    sourceSets["main"].kotlin.srcDir("src/main/kotlin")
    sourceSets["main"].jniLibs.srcDir("src/main/jniLibs")

    testOptions {
        unitTests.all {
            // Local unit tests run on the host JVM against the host library built with
            // `cargo xtask bindings --test-hooks` (the tests call the debugPanic hook), and the
            // simulator from `cargo build -p citykit-sim`. CI runs the same tests via run-tests.sh.
            it.useJUnitPlatform()
            it.systemProperty("jna.library.path", hostTargetDir.resolve("debug").path)
            it.environment("CITYKIT_SIM_BIN", hostTargetDir.resolve("debug/citykit-sim").path)
        }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17)
    }
}

dependencies {
    // The generated code calls the library through JNA; the AAR flavour carries libjnidispatch.so per ABI.
    implementation("net.java.dev.jna:jna:$jnaVersion@aar")
    // Suspend functions and Flow are part of the public API.
    api("org.jetbrains.kotlinx:kotlinx-coroutines-core:$coroutinesVersion")

    // Host JVM tests: the plain JNA jar (host libjnidispatch), JUnit 5, kotlin.test.
    testImplementation("net.java.dev.jna:jna:$jnaVersion")
    testImplementation("org.jetbrains.kotlin:kotlin-test-junit5")
    testImplementation("org.junit.jupiter:junit-jupiter-api:$junitVersion")
    testRuntimeOnly("org.junit.jupiter:junit-jupiter-engine:$junitVersion")
    testRuntimeOnly("org.junit.platform:junit-platform-launcher:$junitPlatformVersion")
}
