/// The host's receive path as the run saw it: each NIC queue, its IRQ, and the CPUs its
/// interrupts (affinity), RPS and XPS send work to. Next to the heatmap this is where a hot
/// core is explained: four queues whose IRQs all say "0".
struct NICTable {
    let queues: [VerifyReport.QueueRow]

    func write(into html: inout String) {
        html += "<table class=\"nic-table\"><thead><tr><th>interface</th><th>queue</th><th class=\"num\">IRQ</th>"
        html += "<th>IRQ affinity</th><th>RPS CPUs</th><th>XPS CPUs</th></tr></thead><tbody>\n"
        for queue in queues {
            html += "<tr class=\"queue\"><td>"
            html.appendHTML(queue.interface)
            html += "</td><td>"
            html.appendHTML(queue.queue)
            html += "</td><td class=\"num\">"
            html += queue.irq.map(String.init) ?? ReportFormat.missing
            for cpus in [queue.irqAffinity, queue.rpsCPUs, queue.xpsCPUs] {
                html += "</td><td>"
                writeCPUList(cpus, into: &html)
            }
            html += "</td></tr>\n"
        }
        html += "</tbody></table>\n"
    }

    /// A CPU list as the kernel prints it; absent or empty reads "none", as RPS off does.
    private func writeCPUList(_ cpus: String?, into html: inout String) {
        guard let cpus, !cpus.isEmpty else {
            html += "<span class=\"none\">none</span>"
            return
        }
        html += "<code>"
        html.appendHTML(cpus)
        html += "</code>"
    }
}
