// Plugin versions for the whole build; the module applies them (citykit/build.gradle.kts).
// AGP 8.7 needs Gradle 8.9+ and JDK 17. The JVM tests here compile the same sources with kotlinc
// 2.4.20; the Kotlin Gradle plugin below is an older, widely used release that AGP 8.7 supports.
plugins {
    id("com.android.library") version "8.7.3" apply false
    id("org.jetbrains.kotlin.android") version "2.1.0" apply false
}
