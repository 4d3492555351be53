using Microsoft.ML.GenerativeRec.Training;

namespace Microsoft.ML.GenerativeRec.Tests.Training;

[TestClass]
public sealed class TorchNativeLibraryTests
{
    private const string App = "/srv/app/bin/";

    // Lines as /proc/self/maps prints them: address range, permissions, offset, device, inode, path.
    private static string Maps(params string[] paths) => string.Join('\n', paths.Select((p, i) =>
        $"7f{i:x4}0000-7f{i:x4}8000 r-xp 00000000 08:01 {1000 + i}                    {p}")) + "\n7ffd0000-7ffd1000 rw-p 00000000 00:00 0          [stack]\n";

    [TestMethod]
    [DataRow("/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.2.6")]              // Debian's python3-torch
    [DataRow("/home/u/.venv/lib/python3.12/site-packages/torch/lib/libc10.so")] // pip's torch in a Python host
    [DataRow("/opt/libtorch/lib/libtorch.so")]                               // a libtorch on LD_LIBRARY_PATH
    public void FindForeignLibtorch_LibtorchOutsideTorchSharpsFolders_ReturnsItsPath(string foreign)
    {
        string maps = Maps("/usr/lib/x86_64-linux-gnu/libc.so.6", foreign, App + "libTorchSharp.so");

        string? found = TorchNativeLibrary.FindForeignLibtorch(maps, [App]);

        Assert.AreEqual(foreign, found);
    }

    [TestMethod]
    [DataRow(App + "libtorch_cpu.so")]                                                                 // published next to the app
    [DataRow("/root/.nuget/packages/libtorch-cpu-linux-x64/2.10.0.0/runtimes/linux-x64/native/libtorch_cpu.so")] // the package folder
    [DataRow("/usr/lib/x86_64-linux-gnu/libtorchaudio.so")]                                            // not libtorch itself
    public void FindForeignLibtorch_OnlyTorchSharpsOwnLibtorch_ReturnsNull(string path)
    {
        string maps = Maps("/usr/lib/x86_64-linux-gnu/libc.so.6", path);

        string? found = TorchNativeLibrary.FindForeignLibtorch(maps, [App]);

        Assert.IsNull(found);
    }

    [TestMethod]
    public void ShadowedMessage_NamesThePathAndTheRemedy()
    {
        string message = TorchNativeLibrary.ShadowedMessage("/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.2.6");

        StringAssert.Contains(message, "'/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.2.6'");
        StringAssert.Contains(message, "apt-get remove python3-torch");
        StringAssert.Contains(message, "docs/troubleshooting.md");
    }

    [TestMethod]
    public void FindForeignLibtorch_ThisTestProcess_FindsNone()
    {
        TorchNativeLibrary.EnsureLoaded();

        string? found = OperatingSystem.IsLinux()
            ? TorchNativeLibrary.FindForeignLibtorch(File.ReadAllText("/proc/self/maps"), [AppContext.BaseDirectory])
            : null;

        Assert.IsNull(found);
    }
}
