using Quiver.Gpu;

// quiver-gpu check [--accelerator auto|cuda|cpu] [--max-bytes N] [--optimization O1|O2] [--case NAME]… [--list]
// quiver-gpu bench --out DIR [--accelerator auto|cuda|cpu] [--quick] [--fashion DIR] [--cache DIR] …
// Exit code 0 on success, 1 when a check case failed, 2 on bad arguments or no device.
return args.Length == 0 ? Usage("no command")
    : args[0] switch
    {
        "check" => CheckCommand.Run(args[1..]),
        "bench" => BenchCommand.Run(args[1..]),
        "-h" or "--help" or "help" => Usage(null),
        _ => Usage($"unknown command '{args[0]}'"),
    };

static int Usage(string? why)
{
    if (why is not null) Console.Error.WriteLine(why);
    Console.Error.WriteLine(
        "usage: quiver-gpu check [--accelerator auto|cuda|cpu] [--max-bytes N] [--optimization O1|O2] [--case NAME]… [--list]\n" +
        "       quiver-gpu bench --out DIR [--accelerator auto|cuda|cpu] [--quick] [--fashion DIR] [--cache DIR]\n" +
        "                        [--max-bytes N] [--optimization O1|O2] [--gt-queries N] [--budget-seconds S] [--only fashion|synthetic]");
    return why is null ? 0 : 2;
}
