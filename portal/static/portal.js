// the page's script: written in the next step
