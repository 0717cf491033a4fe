import Testing
@testable import GLMStore

@Test func placeholderBuilds() {}
