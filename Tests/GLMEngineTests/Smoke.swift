import Testing
@testable import GLMEngine

@Test func placeholderBuilds() {}
