using Cascade.Results;

namespace Cascade.Tests.Results;

/// <summary>Writing a run's files: a file or a folder appears whole or not at all, and a path that cannot be written is the user's error, named.</summary>
public sealed class OutputFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cascade-out-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string At(params string[] parts) => Path.Combine([_dir, .. parts]);

    private string[] Leftovers() => Directory.GetFileSystemEntries(_dir, "*", SearchOption.AllDirectories)
        .Where(p => Path.GetFileName(p).StartsWith('.')).ToArray();

    [Fact]
    public void An_atomic_write_creates_missing_folders_replaces_the_old_file_as_utf8_without_bom_and_leaves_no_temporary_file()
    {
        var path = At("a", "b", "result.json");
        AtomicFile.WriteAllText(path, "first, longer contents");
        AtomicFile.WriteAllText(path, "é");
        Assert.Equal([0xC3, 0xA9], File.ReadAllBytes(path));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void A_temporary_file_left_by_a_killed_run_does_not_leak_into_the_next_write()
    {
        var path = At("out.csv");
        File.WriteAllText(At($".out.csv.{Environment.ProcessId}.tmp"), "stale half-written ");
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void A_file_where_a_folder_should_be_is_bad_input_naming_the_path()
    {
        File.WriteAllText(At("blocker"), "");
        var e = Assert.Throws<InputException>(() => AtomicFile.WriteAllText(At("blocker", "x.txt"), "x"));
        Assert.StartsWith($"cannot write '{At("blocker", "x.txt")}': ", e.Message);
    }

    [Fact]
    public void A_write_that_fails_half_way_leaves_the_old_file_and_no_temporary_one()
    {
        var path = At("r.txt");
        File.WriteAllText(path, "old");
        var e = Assert.Throws<InputException>(() => AtomicFile.Write(path, w => { w.Write("half"); throw new IOException("disk full"); }));
        Assert.Equal($"cannot write '{path}': disk full", e.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Empty(Leftovers());

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, _ => throw new InvalidOperationException("a bug")));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void A_new_folder_appears_only_once_every_file_is_in_it()
    {
        var target = At("run");
        bool seenBeforeEnd = false;
        OutputFolder.Write(target,
        [
            OutputFile.Text("a.txt", "A"),
            new OutputFile("b.txt", w => { seenBeforeEnd |= Directory.Exists(target); w.Write("B"); }),
        ]);
        Assert.False(seenBeforeEnd);
        Assert.Equal("A", File.ReadAllText(Path.Combine(target, "a.txt")));
        Assert.Equal("B", File.ReadAllText(Path.Combine(target, "b.txt")));
        Assert.Empty(Leftovers());
        Assert.Equal(["run"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void A_new_folder_named_with_a_trailing_separator_is_staged_beside_it_not_inside()
    {
        var target = At("run") + Path.DirectorySeparatorChar;
        OutputFolder.Write(target, [OutputFile.Text("a.txt", "A")]);
        Assert.Equal("A", File.ReadAllText(At("run", "a.txt")));
        Assert.Equal(["a.txt"], Directory.GetFileSystemEntries(At("run")).Select(Path.GetFileName));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void Into_an_existing_folder_the_users_other_files_stay_and_ours_are_replaced()
    {
        var target = At("run");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "notes.md"), "mine");
        File.WriteAllText(Path.Combine(target, "a.txt"), "old A");
        File.WriteAllText(Path.Combine(target, "z.txt"), "old Z");
        OutputFolder.Write(target, [OutputFile.Text("a.txt", "A"), OutputFile.Text("z.txt", "Z")]);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(target, "notes.md")));
        Assert.Equal("A", File.ReadAllText(Path.Combine(target, "a.txt")));
        Assert.Equal("Z", File.ReadAllText(Path.Combine(target, "z.txt")));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void A_rerun_killed_while_writing_leaves_no_copy_of_the_last_file_so_the_set_reads_as_incomplete()
    {
        var target = At("run");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "a.txt"), "old A");
        File.WriteAllText(Path.Combine(target, "last.txt"), "old last");
        bool lastGoneWhileWriting = false;
        Assert.Throws<InputException>(() => OutputFolder.Write(target,
        [
            OutputFile.Text("a.txt", "A"),
            new OutputFile("b.txt", _ => { lastGoneWhileWriting = !File.Exists(Path.Combine(target, "last.txt")); throw new IOException("killed"); }),
            OutputFile.Text("last.txt", "last"),
        ]));
        Assert.True(lastGoneWhileWriting);
        Assert.False(File.Exists(Path.Combine(target, "last.txt")));
        Assert.Equal("A", File.ReadAllText(Path.Combine(target, "a.txt")));
    }

    [Fact]
    public void A_new_folder_that_cannot_be_filled_is_not_created_and_its_staging_is_removed()
    {
        var target = At("run");
        var e = Assert.Throws<InputException>(() => OutputFolder.Write(target,
            [OutputFile.Text("a.txt", "A"), new OutputFile("b.txt", _ => throw new IOException("disk full"))]));
        Assert.Equal($"cannot write '{target}': disk full", e.Message);
        Assert.False(Directory.Exists(target));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void When_another_run_makes_the_folder_meanwhile_the_files_go_into_it_one_by_one()
    {
        var target = At("run");
        OutputFolder.Write(target,
        [
            new OutputFile("a.txt", w => { Directory.CreateDirectory(target); w.Write("A"); }),
            OutputFile.Text("b.txt", "B"),
        ]);
        Assert.Equal("A", File.ReadAllText(Path.Combine(target, "a.txt")));
        Assert.Equal("B", File.ReadAllText(Path.Combine(target, "b.txt")));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void When_another_run_makes_the_folder_and_staging_then_fails_the_files_still_go_into_it()
    {
        var target = At("run");
        int calls = 0;
        OutputFolder.Write(target,
        [
            new OutputFile("a.txt", w =>
            {
                if (calls++ == 0)
                {
                    Directory.CreateDirectory(target);
                    throw new IOException("raced");
                }
                w.Write("A");
            }),
        ]);
        Assert.Equal(2, calls);
        Assert.Equal("A", File.ReadAllText(Path.Combine(target, "a.txt")));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void A_folder_flag_is_checked_without_creating_anything()
    {
        OutputPath.CheckFolder(At("new", "deeper"), "--out");
        OutputPath.CheckFolder(_dir, "--out");
        Assert.Empty(Directory.GetFileSystemEntries(_dir));

        File.WriteAllText(At("f"), "");
        var e = Assert.Throws<InputException>(() => OutputPath.CheckFolder(At("f"), "--out"));
        Assert.Equal($"'{At("f")}' is a file, not a folder", e.Message);
        Assert.Equal("--out", e.Field);

        e = Assert.Throws<InputException>(() => OutputPath.CheckFolder(At("f", "sub", "deeper"), "--out"));
        Assert.Equal($"cannot write '{At("f", "sub", "deeper")}': '{At("f")}' is a file, not a folder", e.Message);
        Assert.Equal("--out", e.Field);
    }

    [Fact]
    public void A_file_flag_is_checked_without_creating_anything()
    {
        OutputPath.CheckFile(At("new", "junit.xml"), "--junit");
        OutputPath.CheckFile(At("junit.xml"), "--junit");
        Assert.Empty(Directory.GetFileSystemEntries(_dir));

        Directory.CreateDirectory(At("d"));
        var e = Assert.Throws<InputException>(() => OutputPath.CheckFile(At("d"), "--junit"));
        Assert.Equal($"'{At("d")}' is a folder, not a file", e.Message);
        Assert.Equal("--junit", e.Field);

        File.WriteAllText(At("f"), "");
        e = Assert.Throws<InputException>(() => OutputPath.CheckFile(At("f", "junit.xml"), "--junit"));
        Assert.Equal($"cannot write '{At("f", "junit.xml")}': '{At("f")}' is a file, not a folder", e.Message);
        Assert.Equal("--junit", e.Field);
    }

    [Fact]
    public void A_folder_no_file_can_be_created_in_is_refused_naming_the_flag()
    {
        // Nobody, root included, creates files in /proc.
        var e = Assert.Throws<InputException>(() => OutputPath.CheckFolder("/proc/cascade-out", "--out"));
        Assert.StartsWith("cannot write '/proc/cascade-out': ", e.Message);
        Assert.Equal("--out", e.Field);
        e = Assert.Throws<InputException>(() => OutputPath.CheckFile("/proc/junit.xml", "--junit"));
        Assert.StartsWith("cannot write '/proc/junit.xml': ", e.Message);
        Assert.Equal("--junit", e.Field);
    }
}
