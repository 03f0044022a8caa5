import ArgumentParser
import SFConsole

/// `--log-format text|json`.
extension LogFormat: ExpressibleByArgument {}
