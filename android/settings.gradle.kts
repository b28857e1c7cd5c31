// The CityKit Android library, built on its own into an AAR (see README.md).
// Not built by CityKit's CI: that machine has no Android SDK or NDK (run-tests.sh runs instead).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "citykit-android"
include(":citykit")
