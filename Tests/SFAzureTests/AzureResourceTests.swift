import SFAzure
import Testing

@Suite struct AzureResourceTests {
    @Test func bareResourceGainsDefaultScope() {
        #expect(AzureResource("https://storage.azure.com").scope == "https://storage.azure.com/.default")
    }

    @Test func scopeLosesDefaultSuffix() {
        #expect(AzureResource("https://vault.azure.net/.default").identifier == "https://vault.azure.net")
        #expect(AzureResource("https://vault.azure.net/.default") == AzureResource("https://vault.azure.net"))
    }

    @Test func trailingSlashResourceIsKept() {
        let arm = AzureResource("https://management.core.windows.net/")
        #expect(arm.identifier == "https://management.core.windows.net/")
        #expect(arm.scope == "https://management.core.windows.net//.default")
    }
}
