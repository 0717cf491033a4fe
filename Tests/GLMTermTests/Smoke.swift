import Testing
@testable import GLMTerm

@Test func placeholderBuilds() {}
