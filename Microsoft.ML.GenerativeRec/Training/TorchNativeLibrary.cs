using TorchSharp;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>Loads libtorch through TorchSharp and, when that fails because another libtorch shadows it, says which.</summary>
/// <remarks>
/// A process can already hold a libtorch that is not TorchSharp's: Debian's <c>python3-torch</c> installs one system-wide
/// (under /usr/lib), a Python host has pip's (<c>site-packages/torch/lib</c>). The dynamic loader then resolves
/// TorchSharp's native bindings against that one, TorchSharp's initialisation fails and reports only its generic
/// "doesn't contain a reference to libtorch-cpu-linux-x64" (dotnet/TorchSharp#169). Before the first torch call this
/// reads <c>/proc/self/maps</c> (Linux only) for a libtorch_cpu, libtorch or libc10 mapped from a folder that is neither
/// the application's nor a TorchSharp/libtorch package's, and if initialisation then fails, the exception names that
/// file and the remedy (docs/troubleshooting.md, "A different libtorch is already loaded").
/// </remarks>
internal static class TorchNativeLibrary
{
    private static readonly string[] LibraryNames = ["libtorch_cpu.so", "libtorch.so", "libc10.so"];

    // Folder names of the NuGet packages that carry TorchSharp's own libtorch (libtorch-cpu-linux-x64, TorchSharp-cpu, ...).
    private static readonly string[] PackageFolderMarkers = ["/libtorch-cpu", "/libtorch-cuda", "/torchsharp"];

    private static volatile bool _loaded;

    /// <summary>Initialises TorchSharp's CPU backend once; the first torch call of <c>Fit</c> and of model loading.</summary>
    /// <exception cref="NotSupportedException">libtorch could not be loaded; when a foreign libtorch is mapped, the message names it.</exception>
    public static void EnsureLoaded()
    {
        if (_loaded)
            return;
        string? foreign = OperatingSystem.IsLinux() ? FindForeignLibtorch(ReadMaps(), OwnFolders()) : null;
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (foreign is not null && e is NotSupportedException or DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            throw new NotSupportedException(ShadowedMessage(foreign), e);
        }

        _loaded = true;
    }

    /// <summary>The first libtorch in <paramref name="maps"/> (the text of /proc/self/maps) mapped from outside <paramref name="ownFolders"/> and TorchSharp's packages.</summary>
    /// <returns>Its path, or null when every libtorch mapped (if any) is TorchSharp's.</returns>
    internal static string? FindForeignLibtorch(string maps, IReadOnlyList<string> ownFolders)
    {
        foreach (var line in maps.Split('\n'))
        {
            int slash = line.IndexOf('/');
            if (slash < 0)
                continue;
            string path = line[slash..].Trim();
            string name = Path.GetFileName(path);
            if (!LibraryNames.Any(n => name == n || name.StartsWith(n + ".", StringComparison.Ordinal)))
                continue;                                   // also libtorch_cpu.so.2.6 and the like
            bool own = ownFolders.Any(f => path.StartsWith(f, StringComparison.Ordinal))
                || PackageFolderMarkers.Any(m => path.Contains(m, StringComparison.OrdinalIgnoreCase));
            if (!own)
                return path;
        }

        return null;
    }

    internal static string ShadowedMessage(string foreignPath) =>
        $"TorchSharp could not initialise libtorch because a different libtorch is already loaded in this process: " +
        $"'{foreignPath}'. It shadows the libtorch of TorchSharp's runtime package (libtorch-cpu-linux-x64 through " +
        "TorchSharp-cpu), so TorchSharp's native bindings do not match it. Remove what loads it: uninstall the system-wide " +
        "package that provides it (Debian/Ubuntu: 'apt-get remove python3-torch'), or make sure it is not preloaded (LD_PRELOAD) " +
        "or found first on LD_LIBRARY_PATH, or run the .NET code in a process that has not imported Python's torch. " +
        "See docs/troubleshooting.md, \"A different libtorch is already loaded\".";

    private static string ReadMaps()
    {
        try
        {
            return File.ReadAllText("/proc/self/maps");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static string[] OwnFolders() =>
        [.. new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(torch).Assembly.Location) }
            .Where(f => !string.IsNullOrEmpty(f)).Select(f => f!.TrimEnd('/') + "/")];
}
