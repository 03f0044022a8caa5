import ArgumentParser
import SFCore

/// `--cloud public|usgov|china`.
extension AzureCloud: ExpressibleByArgument {}
